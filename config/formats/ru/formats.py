# «1 декабря 2026»: the month lowercase and in the genitive ("E"), as Russian
# writes a date; Django's own Russian formats are kept for everything else
# (the decimal comma, "72,8").
DATE_FORMAT = "j E Y"
MONTH_DAY_FORMAT = "j E"
DATETIME_FORMAT = "j E Y, H:i"
SHORT_DATE_FORMAT = "j E Y"
SHORT_DATETIME_FORMAT = "j E Y, H:i"
