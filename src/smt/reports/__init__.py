"""Report formats: SMT's 15-minute CSV, daily and monthly CSVs, LSE and JSON."""
