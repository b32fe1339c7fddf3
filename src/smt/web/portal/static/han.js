// Shows only the inputs of the chosen kind of HAN message. Without script every group stays
// visible and the hub reads the chosen kind's; a hidden group is also disabled, so its inputs
// are neither validated by the browser nor sent.
(function () {
  const kind = document.getElementById("han-kind");
  if (!kind) return;
  const groups = document.querySelectorAll("fieldset[data-kind]");
  function show() {
    groups.forEach(function (group) {
      const chosen = group.getAttribute("data-kind") === kind.value;
      group.hidden = !chosen;
      group.disabled = !chosen;
    });
  }
  kind.addEventListener("change", show);
  show();
})();
