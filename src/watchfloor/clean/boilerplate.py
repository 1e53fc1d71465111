"""General rules for site boilerplate lines (comment forms, share widgets, related links, cookies...).

Rules look at whole short lines only, so a sentence of the article that
happens to contain "read more" or "share" is never dropped.  They apply to
HTML-extracted text and to plain-text copies of web pages alike.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from watchfloor.clean.textnorm import match_key

log = logging.getLogger(__name__)

#: Lines longer than this (in words) are never boilerplate by the line rules.
MAX_BOILERPLATE_WORDS = 14

_SOCIAL = (
    r"facebook|twitter|x|linkedin|whatsapp|telegram|reddit|pinterest|tumblr|email|e-mail|mail|print|messenger|"
    r"viber|vk|vkontakte|line|pocket|flipboard|copy link|sms|threads|bluesky|mastodon|instagram|youtube|tiktok"
)

_WEB = r"use|uses|using|accept|website|site|consent|experience|browsing|settings|policy"

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("comment_form", r"^(leave a (reply|comment|response)|post (a |your )?comment|add (a |your )?comment|"
                         r"(please )?enter your (comment|name|e-?mail|website)( address)?( here)?|"
                         r"(your )?(name|e-?mail|e-?mail address|website|comment|message)\s*\*?( \(required\))?|"
                         r"(save|remember) my name.*|notify me of .*(comments|posts).*|"
                         r"you must be logged in to post a comment.*|(submit|cancel) (comment|reply)|"
                         r"(\d+ )?comments?( \(\d+\))?|\d+ (responses?|replies)|no comments( yet)?|"
                         r"be the first to comment.*|join the (discussion|conversation)|"
                         r"your e-?mail address will not be published.*|required fields are marked.*|"
                         r"comments are closed.*|log ?in to (comment|reply)|reply|report abuse|"
                         r"laisser un commentaire|deja un comentario|dejar un comentario|"
                         r"kommentar (schreiben|hinterlassen)|اترك تعليقا|أضف تعليق|اضف تعليق)$"),
        ("share", rf"^((share|tweet|pin|post|send)( this| it| article| story| post| page)?( on| via| to| with)?"
                  rf"( ({_SOCIAL}))*|(({_SOCIAL})[ ,|/]*)+|share( this)? (article|story|post)|"
                  rf"click to (share|print|email)( on ({_SOCIAL}))?.*|partager|compartir|teilen|شارك|مشاركة)$"),
        ("related", r"^(related( posts| articles| stories| content| news| reading| topics)?|you (may|might) also like|"
                    r"(you may|you might) (also )?be interested in|read (more|also|next)|more from .{0,40}|"
                    r"recommended( for you| articles| stories)?|popular (posts|articles|stories)|"
                    r"most (read|popular|viewed)|trending( now)?|latest (news|posts|articles|stories)|"
                    r"previous (post|article)|next (post|article)|"
                    r"(previous|next) (post|article|story):? .{0,100}|continue reading.*|lire aussi|"
                    r"lire la suite|leer más|lee también|weiterlesen|mehr zum thema|"
                    r"اقرأ أيضا|اقرأ ايضا|اقرأ المزيد|مواضيع ذات صلة)$"),
        ("cookies", rf"^(.{{0,80}}\bcookies?\b.{{0,80}}\b({_WEB})\b.{{0,120}}|"
                    rf".{{0,80}}\b({_WEB}) .{{0,80}}\bcookies?\b.{{0,80}}|"
                    r".{0,80}\b(cookie policy|privacy policy)\b.{0,160}|accept( all)?( cookies)?|"
                    r"(i )?(agree|accept|decline|reject)( all)?|got it|manage (cookies|preferences|consent))$"),
        ("navigation", r"^(home|menu|main menu|search|search for:?|skip to (main )?content|toggle navigation|"
                       r"close|open menu|back to top|top|log ?in|sign ?in|register|sign ?up|my account|"
                       r"home( ?[>»/|›→:] ?[^>»/|›→]{1,80})+|(\S+ ?[>»›→] ?){2,}\S.*|"
                       r"(home|about( us)?|contact( us)?|news|blog|archives?|categories|tags|podcasts?|"
                       r"events|donate|subscribe|search|privacy policy|terms( of use| of service)?)"
                       r"( ?[|•·] ?(home|about( us)?|contact( us)?|news|blog|archives?|categories|tags|podcasts?|"
                       r"events|donate|subscribe|search|privacy policy|terms( of use| of service)?))+)$"),
        ("subscribe", r"^((subscribe|sign up|register)( now| today)?( to| for)?( our| the)?( free)?"
                      r"( (daily|weekly|email|e-mail))?( newsletters?| updates| alerts| our channel| the feed)?.{0,60}|"
                      r"(get|receive) (the latest|our|breaking|daily|weekly).{0,60}(inbox|newsletter|updates|alerts)|"
                      r"follow us( on .{0,60})?|join (us|our) (on|newsletter|mailing list).{0,40}|"
                      r"enter your e-?mail( address)?.{0,40}|newsletter|s'abonner|abonnez-vous|suscríbete|"
                      r"abonnieren|اشترك.{0,40})$"),
        ("counter", r"^((?!(1[89]|20)\d\d$)[\d.,]+[kKmM]?|"
                    r"[\d.,]+[kKmM]? ?(views?|comments?|shares?|likes?|reads?|reactions?|votes?|"
                    r"visits|hits|min(ute)?s? read|vues|visitas|aufrufe|مشاهدة|تعليق))$"),
        ("footer", r"^((copyright )?(©|\(c\)|copyright) ?.{0,120}|all rights reserved.{0,80}|"
                   r"tags?: .{0,200}|filed under:? .{0,160}|categor(y|ies): .{0,160}|posted in .{0,120}|"
                   r"print (this )?(article|page)|advertisement|sponsored( content)?|ad|ads by .{0,40}|"
                   r"image: .{0,20}|photo: .{0,40}|loading\.*|please wait\.*)$"),
    )
)

#: Headings that open a comment section: everything after them is the comment area.
_COMMENT_OPENERS = re.compile(
    r"^(leave a (reply|comment|response)|\d+ (comments?|responses?|replies)|comments \(\d+\)|post (a )?comment|"
    r"add (a )?comment|laisser un commentaire|deja un comentario|اترك تعليقا)$"
)
#: Headings that open a list of links to other articles.
_RELATED_OPENERS = re.compile(
    r"^(related( posts| articles| stories| content| news| reading)?|you (may|might) also like|"
    r"recommended( for you| articles| stories)?|popular (posts|articles)|most (read|popular|viewed)|"
    r"more (stories|articles|news)( from .{0,40})?|read (more|also|next)|lire aussi|lee también|"
    r"اقرأ أيضا|اقرأ ايضا|مواضيع ذات صلة)$"
)


def _key(line: str) -> str:
    return match_key(line).strip(" .:!-–|*•·")


def boilerplate_kind(line: str) -> str | None:
    """The kind of boilerplate a whole line is ("share", "comment_form", ...), or None for content."""
    key = _key(line)
    if not key:
        return None
    if len(key.split()) > MAX_BOILERPLATE_WORDS and not key.startswith(("©", "copyright")):
        return None
    for kind, pattern in _RULES:
        if pattern.match(key):
            return kind
    return None


def is_sentence(line: str) -> bool:
    """A line that reads like prose: several words and a sentence-final mark or a verb-length run."""
    words = line.split()
    return len(words) >= 8 or (len(words) >= 4 and line.rstrip().endswith((".", "!", "?", "؟", "。", ":")))


@dataclass(slots=True)
class Split:
    """Lines kept for the body and lines removed as boilerplate (with their kind)."""

    kept: list[int] = field(default_factory=list)
    removed: list[tuple[int, str]] = field(default_factory=list)


def split_boilerplate(lines: list[str], *, protected: frozenset[int] = frozenset()) -> Split:
    """Classify ``lines`` (blank lines allowed) into kept indexes and removed (index, kind) pairs.

    Besides the line rules: a comment-section heading in the second half of
    the page removes everything after it; a related-links heading removes the
    short link-title lines that follow it.  ``protected`` indexes are kept.
    """
    result = Split()
    content = [i for i, line in enumerate(lines) if line.strip()]
    total = len(content)
    in_comments = False
    in_related = False
    for rank, i in enumerate(content):
        line = lines[i]
        if i in protected:
            result.kept.append(i)
            in_related = False
            continue
        key = _key(line)
        if in_comments:
            result.removed.append((i, "comment_section"))
            continue
        if _COMMENT_OPENERS.match(key) and rank >= total // 2:
            in_comments = True
            result.removed.append((i, "comment_form"))
            continue
        if _RELATED_OPENERS.match(key):
            in_related = True
            result.removed.append((i, "related"))
            continue
        if in_related:
            if not is_sentence(line) and len(line.split()) <= 20:
                result.removed.append((i, "related"))
                continue
            in_related = False
        kind = boilerplate_kind(line)
        if kind is not None:
            result.removed.append((i, kind))
        else:
            result.kept.append(i)
    return result
