"""Vietnamese report text -> ParsedReport (pure functions, no I/O).

Pipeline (DESIGN §4):

1. fold the text: drop zero-width/format characters, ``Ð`` -> ``Đ``, NFC, lower-case, fold whitespace;
   keep three aligned copies of every line: *cased* (original case, diacritics), *acc* (lower case,
   diacritics) and *plain* (lower case, no diacritics) - positions are the same in all three;
2. a slash command is split off; only ``/baocao`` and ``/report`` carry a report;
3. each line: strip list numbering, find unit names (longest match on normalised words, with one regex
   per unit list, cached), find names that look like units but are not known (``Thôn 99``) or match
   several units, then scan the rest with one tokenizer regex (figures, metrics, dates, times, ...);
4. a line with several units is cut into one segment per unit; each segment pairs its daily
   figures with its metric words;
5. the message is all or nothing: the first bad line makes the whole result an error naming it.

Precision first (issue 11): three outcomes. A message is a ``report`` only when it is unmistakably one; clear
chatter is ``not_report`` (silent); a message that may be a report but is not certain is never stored - it is
``not_report`` too, or an ``error`` with a short hint when it clearly meant to report (no figure, unknown unit,
a bare figure whose unit nothing tells). There is no stored-on-confirm "ask" kind: silence or a hint measured
enough (0 silently wrong on every corpus, bench/bench_parse.py). A number is a daily count only when the words
around it say so: the noun after it (tài khoản/tk/người vs hộ/cụ/bạn/máy/phút...), the verb before it (mời, cần,
mượn, có, còn...), no plan for later or meeting in its clause (mai, sẽ, dự kiến, họp...), no target, phone or code
word before it on the line (KH, chỉ tiêu, sđt, hotline, OTP...), no reference shape (số N, 211/KH-UBND, Đề án 06).
Corrections drop the old value ("14 chứ không phải 11"); with "kích hoạt" on the line, installed/guided figures
do not count. A clock time with no report word makes the line's numbers not counts."""

from bot.core.parsing.assemble import parse_report
from bot.core.parsing.folding import normalize
from bot.core.parsing.model import ERROR_CODES, ParsedReport, ReportLine
from bot.core.parsing.units import match_unit

__all__ = ["ParsedReport", "ReportLine", "match_unit", "normalize", "parse_report", "ERROR_CODES"]
