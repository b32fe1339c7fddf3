"""HAN: in-home devices reached through the TDSP's meter (Zigbee Smart Energy 1.x)."""
