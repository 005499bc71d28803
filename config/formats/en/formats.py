# One way to write a date on every page (issue 16): "1 Dec 2026". Templates
# name these formats ("DATE_FORMAT", "MONTH_DAY_FORMAT", "DATETIME_FORMAT")
# instead of spelling a pattern, so each language has its own.
DATE_FORMAT = "j M Y"
MONTH_DAY_FORMAT = "j M"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
