"""Tests of the clean stage: decoding, HTML extraction, boilerplate removal, Unicode normalisation,
headline/section/publisher metadata, published-date rules (dateline, closing line, byline, HTML meta,
page date), news dateline conventions (place/outlet + date lines, labelled Published/Posted/Updated lines,
agency datelines opening the first paragraph, month-day datelines dated from the page's other dates),
multilingual date parsing, language guessing, and the two seed reports."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from watchfloor.clean import clean, document_id, markdown_to_text
from watchfloor.clean.boilerplate import boilerplate_kind
from watchfloor.clean.decode import decode_bytes
from watchfloor.clean.language import detect_language
from watchfloor.clean.metadata import Header, MonthDayCandidate, resolve_month_days
from watchfloor.clean.pubdate import (
    DateLabel,
    MonthDay,
    date_line,
    find_dates,
    parse_date,
    read_date_line,
    read_lede_dateline,
)
from watchfloor.clean.textnorm import match_key, normalize_text
from watchfloor.errors import InputError
from watchfloor.models import DateMethod, Origin, RawInput
from watchfloor.settings import Settings

BODY = (
    "Gunmen stormed a police checkpoint on the outskirts of the town late on Sunday, killing at least four "
    "officers and wounding six others, local officials said."
)
BODY2 = (
    "No group immediately claimed responsibility for the assault, which came days after a similar raid in a "
    "neighbouring district left two soldiers dead."
)


def raw(
    data: bytes | str,
    *,
    media_type: str = "text/plain",
    url: str | None = None,
    title: str | None = None,
    published: str | None = None,
    publisher: str | None = None,
) -> RawInput:
    """A RawInput built in memory (str is encoded as UTF-8)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    return RawInput(
        source="mem",
        origin=Origin.FILE,
        data=payload,
        media_type=media_type,
        file_name="mem.txt",
        url=url,
        title=title,
        published=published,
        publisher=publisher,
    )


# --- decoding -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("caf\u00e9 \u201cquoted\u201d".encode(), "caf\u00e9 \u201cquoted\u201d"),
        (b"\xef\xbb\xbf" + "caf\u00e9".encode(), "caf\u00e9"),
        ("caf\u00e9 \u2014 ok".encode("utf-16"), "caf\u00e9 \u2014 ok"),
        ("\u201cgroup\u201d said \u2014 it\u2019s".encode("cp1252"), "\u201cgroup\u201d said \u2014 it\u2019s"),
        ("caf\u00e9 a \u00e9t\u00e9 d\u00e9truit".encode("latin-1"), "caf\u00e9 a \u00e9t\u00e9 d\u00e9truit"),
        ("Группа взяла на себя ответственность".encode("cp1251"), "Группа взяла на себя ответственность"),
    ],
)
def test_decode_bytes_handles_utf8_bom_utf16_and_legacy(data: bytes, expected: str) -> None:
    assert decode_bytes(data, source="t") == expected


@pytest.mark.parametrize("data", [b"", b"  \n\t ", b"\x00\x01\x02PK\x03\x04" * 50, bytes(range(0, 32)) * 20])
def test_decode_bytes_refuses_empty_and_binary(data: bytes) -> None:
    with pytest.raises(InputError) as info:
        decode_bytes(data, source="bad.txt")
    assert info.value.source == "bad.txt"


def test_clean_cp1252_file_keeps_curly_quotes_and_dashes() -> None:
    text = f"The \u201cgroup\u201d said the attack \u2014 its third this year \u2014 was revenge. {BODY}"
    doc = clean(raw(text.encode("cp1252")))
    assert "\u201cgroup\u201d" in doc.text and "\u2014" in doc.text
    assert match_key(doc.text).startswith('the "group" said the attack - its third')


# --- text normalisation ---------------------------------------------------------------------------------------


def test_normalize_text_spaces_zero_width_and_paragraphs() -> None:
    text = "A\u00a0b\u2009c\u202fd  e\u200b\u200df\r\n\r\n\r\n\r\nNext\u00a0\u00a0para\n"
    assert normalize_text(text) == "A b c d ef\n\nNext para"


def test_normalize_text_is_nfc() -> None:
    assert normalize_text("cafe\u0301") == "caf\u00e9"


def test_match_key_straightens_quotes_and_dashes() -> None:
    assert match_key("  \u201cISK\u2013P\u201d\u2019s   Leader ") == '"isk-p"\'s leader'


# --- boilerplate ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "LEAVE A REPLY",
        "Please enter your comment!",
        "Please enter your name here",
        "Email *",
        "Website",
        "Post Comment",
        "Share on Facebook",
        "Facebook Twitter WhatsApp",
        "Related posts",
        "You may also like",
        "Read more",
        "We use cookies to give you the best experience on our website.",
        "Home > World > Asia",
        "Subscribe to our newsletter",
        "1320",
        "2,345 views",
        "12 Comments",
        "Tags: Afghanistan, ISIS",
        "Skip to content",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert boilerplate_kind(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "Sectarian Attacks",
        "Outlook",
        "Foreign Fighters",
        "NOTES",
        BODY,
        "Residents said they would read more about the ceasefire terms once they were published in full.",
        "Islamic State Khorasan flag hanging in Islamabad, Pakistan (Source: Express Tribune)",
    ],
)
def test_content_lines_are_not_boilerplate(line: str) -> None:
    assert boilerplate_kind(line) is None


def test_comment_section_and_share_widgets_removed_from_text_file() -> None:
    text = f"Militants Attack Checkpoint in North\n\n{BODY}\n\n{BODY2}\n\nShare this:\nFacebook\nTwitter\n\n" + (
        "Related Posts\nArmy retakes village\nCurfew imposed in capital\n\n"
        "Leave a Reply\nYour email address will not be published.\nName *\nEmail *\nGreat piece, thanks!\n"
    )
    doc = clean(raw(text))
    assert doc.text == f"{BODY}\n\n{BODY2}"
    assert "Leave a Reply" in doc.removed_lines and "Great piece, thanks!" in doc.removed_lines
    assert doc.title == "Militants Attack Checkpoint in North"


# --- HTML -----------------------------------------------------------------------------------------------------

HTML_PAGE = f"""<!DOCTYPE html><html lang="en"><head>
<title>Militants attack checkpoint in north | The Daily Ledger</title>
<meta property="og:site_name" content="The Daily Ledger">
<meta property="og:title" content="Militants attack checkpoint in north">
<meta name="author" content="Sam Reporter">
<meta property="article:published_time" content="2021-06-14T08:00:00Z"></head>
<body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav><div>Subscribe to our newsletter</div></header>
<article><h1>Militants attack checkpoint in north</h1>
<div class="share"><a>Share on Facebook</a> <a>Share on Twitter</a></div>
<p>{BODY}</p><p>{BODY2}</p>
<p>The provincial governor ordered reinforcements to the area and said an investigation had been opened.</p>
</article>
<div id="comments"><h3>Leave a Reply</h3><form><label>Name *</label><input><label>Email *</label><input>
<textarea>Please enter your comment!</textarea><button>Post Comment</button></form>
<div class="comment"><p>This is a comment by a reader that should never reach the body of the document at all.</p></div>
</div><footer>&copy; 2021 The Daily Ledger. All rights reserved.</footer></body></html>"""


def test_html_page_with_comment_form_and_share_widgets() -> None:
    doc = clean(raw(HTML_PAGE, media_type="text/html"))
    assert doc.title == "Militants attack checkpoint in north"
    assert doc.publisher == "The Daily Ledger"
    assert doc.author == "Sam Reporter"
    assert doc.published == dt.date(2021, 6, 14) and doc.published_method is DateMethod.HTML_META
    assert BODY in doc.text and BODY2 in doc.text
    assert "\n\n" in doc.text  # paragraph structure kept
    for junk in ("Leave a Reply", "Share on", "Post Comment", "comment by a reader", "Subscribe", "rights reserved"):
        assert junk not in doc.text


def test_html_title_loses_site_name_suffix() -> None:
    page = HTML_PAGE.replace('<meta property="og:title" content="Militants attack checkpoint in north">', "")
    page = page.replace("<h1>Militants attack checkpoint in north</h1>", "")
    doc = clean(raw(page, media_type="text/html"))
    assert doc.title == "Militants attack checkpoint in north"


def test_html_article_date_line_beats_meta_date() -> None:
    page = HTML_PAGE.replace("<h1>Militants attack checkpoint in north</h1>", "<h1>Militants attack checkpoint</h1>")
    closing = "<p>This analysis first appeared in Foreign Policy on 3 May 2019.</p>"
    page = page.replace(f"<p>{BODY}</p>", f"{closing}<p>{BODY}</p>")
    doc = clean(raw(page, media_type="text/html"))
    assert doc.published == dt.date(2019, 5, 3) and doc.published_method is DateMethod.DATELINE
    assert doc.page_date == dt.date(2021, 6, 14)


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Nothing here</title></head><body></body></html>",
        "<html><head><title>Only head</title></head></html>",
        "<html><body><script>var x = 1;</script><style>p {}</style></body></html>",
    ],
)
def test_html_without_body_text_is_an_input_error(page: str) -> None:
    with pytest.raises(InputError, match="no body text"):
        clean(raw(page, media_type="text/html"))


def test_html_fallback_to_lxml_text_when_trafilatura_finds_nothing() -> None:
    doc = clean(raw("<html><body><div>Ten killed.</div></body></html>", media_type="text/html"))
    assert "Ten killed." in doc.text


def test_plain_text_that_is_html_is_extracted() -> None:
    doc = clean(raw(HTML_PAGE))
    assert "<p>" not in doc.text and BODY in doc.text


def test_markdown_syntax_is_dropped() -> None:
    md = f"# Fighters regroup on the border\n\n**Analysis** of the [offensive](http://x.y).\n\n{BODY}\n"
    assert markdown_to_text(md).startswith("Fighters regroup on the border\n\nAnalysis of the offensive.")
    doc = clean(raw(md, media_type="text/markdown"))
    assert doc.title == "Fighters regroup on the border"


def test_markdown_front_matter_fills_metadata() -> None:
    md = f"---\ntitle: Fighters regroup\ndate: 2019-02-12\npublisher: Example Review\n---\n\n{BODY}\n"
    doc = clean(raw(md, media_type="text/markdown"))
    assert (doc.title, doc.publisher) == ("Fighters regroup", "Example Review")
    assert doc.published == dt.date(2019, 2, 12) and doc.published_method is DateMethod.METADATA
    assert doc.text == BODY


def test_empty_after_cleaning_is_an_input_error() -> None:
    with pytest.raises(InputError):
        clean(raw("Share on Facebook\nLeave a reply\n0\n"))


# --- metadata and dates ---------------------------------------------------------------------------------------


def test_repost_page_header_date_goes_to_page_date() -> None:
    text = (
        "Cheap Flights Best Prices\nMonday, March 4, 2024\nHome News Fighters Regroup Along the Border\n\n"
        "Fighters Regroup Along the Border\n\nBy Jane Analyst\n\n"
        f"{BODY}\n\n{BODY2}\n\n"
        "This article was originally published by the Example Policy Institute on 12 February 2019.\n"
    )
    doc = clean(raw(text))
    assert doc.title == "Fighters Regroup Along the Border"
    assert doc.author == "Jane Analyst"
    assert doc.published == dt.date(2019, 2, 12) and doc.published_method is DateMethod.DATELINE
    assert doc.page_date == dt.date(2024, 3, 4)
    assert doc.publisher == "Example Policy Institute"
    assert "Cheap Flights" not in doc.text and "Home News" not in doc.text and "2024" not in doc.text
    assert doc.text == f"{BODY}\n\n{BODY2}"


def test_page_date_alone_is_used_with_page_date_method() -> None:
    doc = clean(raw(f"Tuesday, 5 March 2024\nA Headline About Events\n\n{BODY}\n"))
    assert doc.published == dt.date(2024, 3, 5) and doc.published_method is DateMethod.PAGE_DATE
    assert doc.page_date is None


def test_dateline_under_headline_and_section_kicker() -> None:
    text = f"Analysis\n\nArmed Groups Expand Their Reach in the North\n\nJanuary 9, 2020\n\n{BODY}\n"
    doc = clean(raw(text))
    assert doc.section == "Analysis" and doc.title == "Armed Groups Expand Their Reach in the North"
    assert doc.published == dt.date(2020, 1, 9) and doc.published_method is DateMethod.DATELINE


def test_french_dateline_and_language() -> None:
    text = (
        "Les groupes armés renforcent leur présence dans le nord\n\nPublié le 3 février 2019\n\n"
        "Les groupes armés ont renforcé leur présence dans plusieurs localités du nord du pays au cours des "
        "dernières semaines, selon des sources locales et des responsables de la sécurité.\n"
    )
    doc = clean(raw(text))
    assert doc.published == dt.date(2019, 2, 3) and doc.published_method is DateMethod.DATELINE
    assert doc.language == "fr"
    assert doc.title == "Les groupes armés renforcent leur présence dans le nord"


def test_byline_date_and_publication_line() -> None:
    text = (
        "Jihadist Networks Adapt to Pressure\n\nBy Ana Ruiz | 14 July 2017\n\n"
        "Publication: Security Review Volume: 7 Issue: 11 Example Studies Centre\n\n"
        f"{BODY}\n"
    )
    doc = clean(raw(text))
    assert doc.author == "Ana Ruiz"
    assert doc.published == dt.date(2017, 7, 14) and doc.published_method is DateMethod.BYLINE
    assert (doc.publication, doc.volume, doc.issue, doc.publisher) == (
        "Security Review",
        7,
        11,
        "Example Studies Centre",
    )
    assert "Publication:" not in doc.text


def test_caller_supplied_metadata_wins() -> None:
    text = f"A Headline About Events\n\nJanuary 9, 2020\n\n{BODY}\n"
    doc = clean(raw(text, published="2020-01-10T12:00:00", publisher="Wire", title="Given title", url="http://e.x/a"))
    assert doc.published == dt.date(2020, 1, 10) and doc.published_method is DateMethod.METADATA
    assert (doc.publisher, doc.title, doc.url) == ("Wire", "Given title", "http://e.x/a")


def test_transcript_question_is_not_a_headline() -> None:
    text = f"QUESTION: Minister, did you discuss the siege? Were there any agreements?\n\nMINISTER: {BODY}\n"
    doc = clean(raw(text))
    assert doc.title is None and doc.text.startswith("QUESTION: Minister")


def test_no_date_anywhere() -> None:
    doc = clean(raw(BODY))
    assert doc.published is None and doc.published_method is DateMethod.NONE and doc.title is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26/1/2018", dt.date(2018, 1, 26)),
        ("1/26/2018", dt.date(2018, 1, 26)),
        ("3/4/2018", dt.date(2018, 4, 3)),
        ("2018-01-26", dt.date(2018, 1, 26)),
        ("Wednesday, December 4, 2024", dt.date(2024, 12, 4)),
        ("18 مارس، 2018", dt.date(2018, 3, 18)),
        ("١٨ مارس ٢٠١٨", dt.date(2018, 3, 18)),
        ("الأحد 5 كانون الثاني 2020", dt.date(2020, 1, 5)),
        ("7 آذار 2019", dt.date(2019, 3, 7)),
        ("الأحد 18 مارس 2018م", dt.date(2018, 3, 18)),
        ("12 تشرين الأول 2016", dt.date(2016, 10, 12)),
        ("1 يناير 2017", dt.date(2017, 1, 1)),
        ("le 3 février 2019", dt.date(2019, 2, 3)),
        ("5 de mayo de 2017", dt.date(2017, 5, 5)),
        ("26. Januar 2018", dt.date(2018, 1, 26)),
        ("3 марта 2015", dt.date(2015, 3, 3)),
        ("(The News, March 18. 2017)", dt.date(2017, 3, 18)),
    ],
)
def test_parse_date_languages_and_scripts(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


def test_impossible_dates_are_not_found() -> None:
    assert find_dates("31/2/2018 and 45/13/2019") == []


def test_date_line_only_for_lines_that_are_just_a_date() -> None:
    assert date_line("Posted on January 5, 2018 at 10:30 am") == dt.date(2018, 1, 5)
    assert date_line("The attack on January 5, 2018 killed ten people in the town.") is None
    assert date_line("الأحد، ١٨ مارس ٢٠١٨ م") == dt.date(2018, 3, 18)


# --- news datelines (all lines invented for these tests) ------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected", "label", "place"),
    [
        ("Herat, 3 February 2021", dt.date(2021, 2, 3), DateLabel.NONE, "Herat"),
        ("Niamey, le 14 mars 2022", dt.date(2022, 3, 14), DateLabel.NONE, "Niamey"),
        ("Cúcuta, 2 de junio de 2021", dt.date(2021, 6, 2), DateLabel.NONE, "Cúcuta"),
        ("Sana'a, Yemen, June 2, 2022", dt.date(2022, 6, 2), DateLabel.NONE, "Sana'a, Yemen"),
        ("Steppe Observer — 5 July 2020", dt.date(2020, 7, 5), DateLabel.NONE, "Steppe Observer"),
        ("Coastal Herald – 11 Oct 2019", dt.date(2019, 10, 11), DateLabel.NONE, "Coastal Herald"),
        ("River & Delta Courier, 30 April 2022", dt.date(2022, 4, 30), DateLabel.NONE, "River & Delta Courier"),
        ("Desert Post | 8 May 2021", dt.date(2021, 5, 8), DateLabel.NONE, "Desert Post"),
        ("Border Notes | Field report | 19 January 2020", dt.date(2020, 1, 19), DateLabel.NONE,
         "Border Notes | Field report"),
        ("9 Sep 2022 | 08:40 GMT", dt.date(2022, 9, 9), DateLabel.NONE, None),
        ("Thursday 9 September 2022 · 08:40 EAT", dt.date(2022, 9, 9), DateLabel.NONE, None),
        ("Published: 2021-07-04", dt.date(2021, 7, 4), DateLabel.PUBLISHED, None),
        ("Posted on 04/07/2021 by Sam Okoro", dt.date(2021, 7, 4), DateLabel.PUBLISHED, None),
        ("Date: 4 July 2021", dt.date(2021, 7, 4), DateLabel.PUBLISHED, None),
        ("Publié le 4 juillet 2021 à 10h30", dt.date(2021, 7, 4), DateLabel.PUBLISHED, None),
        ("Last updated: July 5, 2021 at 9:15 am", dt.date(2021, 7, 5), DateLabel.UPDATED, None),
        ("Zinder, 4 July 2021 (Sahel Wire)", dt.date(2021, 7, 4), DateLabel.NONE, "Zinder"),
    ],
)
def test_read_date_line_news_conventions(line: str, expected: dt.date, label: DateLabel, place: str | None) -> None:
    found = read_date_line(line)
    assert found is not None and len(found.dates) == 1
    assert (found.dates[0].date, found.dates[0].label, found.place) == (expected, label, place)


def test_read_date_line_published_and_updated_and_author() -> None:
    found = read_date_line("Published 4 July 2021 | Updated 6 July 2021")
    assert found is not None
    assert [(d.date, d.label) for d in found.dates] == [
        (dt.date(2021, 7, 4), DateLabel.PUBLISHED),
        (dt.date(2021, 7, 6), DateLabel.UPDATED),
    ]
    posted = read_date_line("Posted on 04/07/2021 by Sam Okoro")
    assert posted is not None and posted.author == "Sam Okoro"


def test_read_date_line_month_day_needs_a_place_or_agency() -> None:
    found = read_date_line("GAROWE, May 9 (Horn Wire)")
    assert found is not None and found.dates[0].date is None and found.dates[0].month_day == MonthDay(5, 9)
    assert read_date_line("May 9") is None


@pytest.mark.parametrize(
    "line",
    [
        "Gunmen attack village, 4 May 2024",
        "Attack kills 12, 4 May 2024",
        "In Herat, 3 February 2021",
        "Talks resumed in Doha on 4 May 2024",
        "By Ana Ruiz | 14 July 2017",
        "Publication: Security Review Volume: 7 Issue: 11, 4 May 2024",
        "Herat, 3 February 2021 and Kandahar, 4 February 2021 and Kabul, 5 February 2021",
        "The ceasefire agreed on 4 May 2024 did not hold.",
    ],
)
def test_read_date_line_refuses_prose_and_other_lines(line: str) -> None:
    assert read_date_line(line) is None


@pytest.mark.parametrize(
    ("paragraph", "date", "month_day", "rest"),
    [
        ("HERAT, 3 February 2021 - Gunmen shot dead two guards.", dt.date(2021, 2, 3), None, "Gunmen"),
        ("Herat, 3 February 2021 (Valley Press) — Gunmen shot dead two guards.", dt.date(2021, 2, 3), None, "Gunmen"),
        ("NIAMEY, Niger — 14 March 2022: Soldiers repelled an attack.", dt.date(2022, 3, 14), None, "Soldiers"),
        ("GAROWE, Somalia, Jun 2, 2022 — Fighters seized a village.", dt.date(2022, 6, 2), None, "Fighters"),
        ("GAROWE, May 9 (Horn Wire) - Fighters seized a village.", None, MonthDay(5, 9), "Fighters"),
        ("Cúcuta, 2 de junio de 2021 — Un ataque dejó dos muertos.", dt.date(2021, 6, 2), None, "Un"),
    ],
)
def test_read_lede_dateline(paragraph: str, date: dt.date | None, month_day: MonthDay | None, rest: str) -> None:
    found = read_lede_dateline(paragraph)
    assert found is not None
    assert (found.dates[0].date, found.dates[0].month_day) == (date, month_day)
    assert paragraph[found.end :].startswith(rest)


@pytest.mark.parametrize(
    "paragraph",
    [
        "In Herat, 3 February 2021 - gunmen shot dead two guards.",
        "The attack on 3 February 2021 - the third that month - killed two guards.",
        "Officials said on May 9 - a Sunday - that fighters had withdrawn.",
        "HERAT — Gunmen shot dead two guards on 3 February 2021, officials said.",
        "Herat, 3 February 2021, was the day gunmen shot dead two guards.",
        "May 9 - fighters seized a village.",
    ],
)
def test_read_lede_dateline_refuses_prose(paragraph: str) -> None:
    assert read_lede_dateline(paragraph) is None


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [
        ("Herat, 3 February 2021", dt.date(2021, 2, 3)),
        ("Steppe Observer — 5 July 2020", dt.date(2020, 7, 5)),
        ("Border Notes | Field report | 19 January 2020", dt.date(2020, 1, 19)),
        ("Desert Post | 8 May 2021", dt.date(2021, 5, 8)),
        ("9 Sep 2022 | 08:40 GMT", dt.date(2022, 9, 9)),
        ("Posted on 04/07/2021 by Sam Okoro", dt.date(2021, 7, 4)),
    ],
)
def test_dateline_under_headline_is_the_published_date_and_is_removed(dateline: str, expected: dt.date) -> None:
    doc = clean(raw(f"Militants Raid a Border Post in the East\n\n{dateline}\n\n{BODY}\n\n{BODY2}\n"))
    assert doc.title == "Militants Raid a Border Post in the East"
    assert doc.published == expected and doc.published_method is DateMethod.DATELINE
    assert doc.text == f"{BODY}\n\n{BODY2}" and dateline in doc.removed_lines


def test_posted_by_line_gives_the_author() -> None:
    doc = clean(raw(f"Militants Raid a Border Post\n\nPosted on 04/07/2021 by Sam Okoro\n\n{BODY}\n"))
    assert doc.author == "Sam Okoro" and doc.published == dt.date(2021, 7, 4)


@pytest.mark.parametrize(
    ("lede", "expected"),
    [
        ("HERAT, 3 February 2021 - ", dt.date(2021, 2, 3)),
        ("Herat, 3 February 2021 (Valley Press) — ", dt.date(2021, 2, 3)),
        ("NIAMEY, Niger — 14 March 2022: ", dt.date(2022, 3, 14)),
    ],
)
def test_dateline_opening_the_first_paragraph_stays_in_the_text(lede: str, expected: dt.date) -> None:
    doc = clean(raw(f"Militants Raid a Border Post in the East\n\n{lede}{BODY}\n\n{BODY2}\n"))
    assert doc.published == expected and doc.published_method is DateMethod.DATELINE
    assert doc.text == f"{lede}{BODY}\n\n{BODY2}"


def test_month_day_dateline_takes_the_year_from_the_page_date() -> None:
    text = (
        "Daily Host Portal\nTuesday, 5 March 2024\n\nFighters Seize a Village\n\n"
        f"GAROWE, March 3 (Horn Wire) - {BODY}\n"
    )
    doc = clean(raw(text))
    assert doc.published == dt.date(2024, 3, 3) and doc.published_method is DateMethod.DATELINE
    assert doc.page_date == dt.date(2024, 3, 5)
    assert doc.text.startswith("GAROWE, March 3 (Horn Wire) - Gunmen")


def test_month_day_dateline_is_not_after_the_reference_date() -> None:
    text = f"Daily Host Portal\nFriday, 5 January 2024\n\nFighters Seize a Village\n\nGAROWE, Dec. 30 - {BODY}\n"
    assert clean(raw(text)).published == dt.date(2023, 12, 30)


def test_month_day_dateline_without_any_year_is_left_unresolved() -> None:
    doc = clean(raw(f"Fighters Seize a Village\n\nGAROWE, March 3 (Horn Wire) - {BODY}\n"))
    assert doc.published is None and doc.published_method is DateMethod.NONE


def test_month_day_dateline_and_caller_date() -> None:
    doc = clean(raw(f"Fighters Seize a Village\n\nGAROWE, March 3 (Horn Wire) - {BODY}\n", published="2024-03-04"))
    assert doc.published == dt.date(2024, 3, 4) and doc.published_method is DateMethod.METADATA


def test_resolve_month_days_uses_the_earliest_reference() -> None:
    header = Header(month_days=[MonthDayCandidate(MonthDay(2, 29), line=3)])
    (leap,) = resolve_month_days(header, caller=None, html_date=dt.date(2023, 6, 1))
    assert leap.date == dt.date(2020, 2, 29) and leap.method is DateMethod.DATELINE
    (early,) = resolve_month_days(
        Header(month_days=[MonthDayCandidate(MonthDay(6, 10), line=3)]),
        caller=dt.date(2024, 6, 1),
        html_date=dt.date(2024, 7, 1),
    )
    assert early.date == dt.date(2023, 6, 10)
    assert resolve_month_days(header, caller=None, html_date=None) == []


def test_updated_is_not_the_published_date_when_one_is_given() -> None:
    text = f"Fighters Seize a Village\n\nPublished 4 July 2021 | Updated 6 July 2021\n\n{BODY}\n"
    assert clean(raw(text)).published == dt.date(2021, 7, 4)
    text = f"Fighters Seize a Village\n\nUpdated: 6 July 2021\nPublished: 4 July 2021\n\n{BODY}\n"
    assert clean(raw(text)).published == dt.date(2021, 7, 4)
    text = f"Fighters Seize a Village\n\nBy Sam Okoro | 4 July 2021\nLast updated 6 July 2021\n\n{BODY}\n"
    doc = clean(raw(text))
    assert doc.published == dt.date(2021, 7, 4) and doc.published_method is DateMethod.BYLINE


def test_updated_date_alone_is_used() -> None:
    doc = clean(raw(f"Fighters Seize a Village\n\nLast updated 6 July 2021\n\n{BODY}\n"))
    assert doc.published == dt.date(2021, 7, 6) and doc.published_method is DateMethod.DATELINE


def test_month_day_lede_resolved_from_an_updated_line() -> None:
    text = f"Fighters Seize a Village\n\nUpdated 5 March 2024\n\nGAROWE, March 3 (Horn Wire) - {BODY}\n"
    doc = clean(raw(text))
    assert doc.published == dt.date(2024, 3, 3) and doc.published_method is DateMethod.DATELINE


def test_outlet_dateline_above_headline_is_not_the_title() -> None:
    doc = clean(raw(f"Steppe Observer — 5 July 2020\nMilitants Raid a Border Post in the East\n\n{BODY}\n"))
    assert doc.title == "Militants Raid a Border Post in the East"
    assert doc.published == dt.date(2020, 7, 5)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The group said that it was behind the attack on the base, which killed ten.", "en"),
        ("Le groupe a revendiqué l'attaque dans la ville selon les autorités.", "fr"),
        ("El grupo armado atacó la base militar según las fuentes locales.", "es"),
        ("Die Gruppe hat den Angriff auf die Stadt nicht bestätigt.", "de"),
        ("أعلن تنظيم الدولة مسؤوليته عن الهجوم", "ar"),
        ("Группа взяла на себя ответственность за нападение", "ru"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_document_id_is_content_hash_and_stable() -> None:
    a = clean(raw(f"A Headline About Events\n\n{BODY}\n"))
    again = RawInput(source="other", origin=Origin.JSONL, data=a.text.encode(), media_type="text/plain", file_name="o")
    b = clean(again)
    assert a.id == b.id == document_id(a.text) == hashlib.sha256(a.text.encode()).hexdigest()[:16]
    assert a.raw_sha256 == hashlib.sha256(f"A Headline About Events\n\n{BODY}\n".encode()).hexdigest()


# --- seed reports ---------------------------------------------------------------------------------------------


def _seed(name_prefix: str) -> tuple[RawInput, dict[str, Any]]:
    settings = Settings()
    seeds = settings.seeds_dir
    files = sorted(seeds.glob(f"{name_prefix}_*.txt")) if seeds.is_dir() else []
    if not files:
        pytest.skip(f"seed {name_prefix} not available under {seeds}")
    path = files[0]
    gold_path = settings.gold_dir / "seeds" / f"{path.stem}.json"
    gold = json.loads(gold_path.read_text(encoding="utf-8")) if gold_path.is_file() else {}
    return (
        RawInput(
            source=str(path), origin=Origin.FILE, data=path.read_bytes(), media_type="text/plain", file_name=path.name
        ),
        gold.get("document", {}),
    )


def test_seed_000_repost_metadata_and_boilerplate() -> None:
    source, gold = _seed("000")
    doc = clean(source)
    assert doc.published == dt.date(2018, 1, 26) and doc.published_method is DateMethod.DATELINE
    assert doc.page_date == dt.date(2024, 12, 4)
    assert doc.title == "Islamic State Gains Ground in Afghanistan as Its Caliphate Crumbles Elsewhere"
    assert (doc.publisher, doc.publication) == ("Jamestown Foundation", "Terrorism Monitor")
    assert (doc.volume, doc.issue) == (16, 2)
    assert doc.language == "en"
    for line in gold.get("boilerplate", []):
        assert line not in doc.text
        assert line in doc.removed_lines
    assert doc.text.startswith("Islamic State Khorasan flag hanging in Islamabad")
    assert "\u00a0" not in doc.text


def test_seed_001_arabic_dateline_and_section() -> None:
    source, gold = _seed("001")
    doc = clean(source)
    assert doc.published == dt.date(2018, 3, 18) and doc.published_method is DateMethod.DATELINE
    assert doc.title == "Is ISIS-Khorasan Province Seeking to Consolidate its Role in Afghanistan?"
    assert doc.section == "Various Mechanisms"
    assert doc.publisher is None
    assert doc.text.startswith("ISIS has launched a bid")
    if gold:
        assert doc.title == gold["title"] and doc.section == gold["section"]


def test_clean_is_deterministic_on_seeds(tmp_path: Path) -> None:
    source, _ = _seed("000")
    assert clean(source).id == clean(source).id


def _gold_strings(node: Any, key: str | None = None) -> list[str]:
    """Every evidence string and alias in a gold file (outside the document block)."""
    if isinstance(node, dict):
        return [s for k, v in node.items() if k != "document" for s in _gold_strings(v, k)]
    if isinstance(node, list):
        return [s for v in node for s in _gold_strings(v, key)]
    return [node] if isinstance(node, str) and key in {"evidence", "aliases"} else []


@pytest.mark.parametrize("prefix", ["000", "001"])
def test_seed_gold_evidence_survives_cleaning(prefix: str) -> None:
    source, _ = _seed(prefix)
    gold_path = Settings().gold_dir / "seeds" / f"{Path(source.file_name).stem}.json"
    if not gold_path.is_file():
        pytest.skip("no gold file")
    strings = _gold_strings(json.loads(gold_path.read_text(encoding="utf-8")))
    text = clean(source).text
    assert strings and [s for s in strings if s not in text] == []


@settings_hypothesis(max_examples=60, deadline=None)
@given(
    text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    media_type=st.sampled_from(["text/plain", "text/html", "text/markdown"]),
)
def test_clean_never_fails_with_anything_but_input_error(text: str, media_type: str) -> None:
    try:
        doc = clean(raw(text, media_type=media_type))
    except InputError:
        return
    assert doc.text.strip() and doc.id == document_id(doc.text)
