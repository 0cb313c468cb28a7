"""Recognise "black-market" reference asks in Slack channel messages. Pure: text in, detection out.

An ask is a seller looking for a customer to vouch for us to a prospect: "anyone have a healthcare
customer in Germany I can call?", "need a customer reference for ...", "who has a bank in DACH that
could take a call?". Look-alikes ("API reference", "reference architecture", "job reference",
"for reference, ...", "who has the reference deck?") must not count.

The message is first stripped of Slack markup (mentions, channel links, link targets, emoji, code),
so nothing inside code triggers. Then it is read for evidence:

- reference: the word in its customer-reference sense ("a reference", "customer reference",
  "reference call", "referenceable"), after look-alike phrases have been blanked out;
- wanted customer: a request whose object is someone outside the company ("anyone have a
  customer ...", "is there a customer ...", "any customers ...", "who has a bank ...");
- customer: any mention of one ("a client", "another German bank", "someone at a hospital");
- purpose: a customer talking to the seller's prospect ("to talk to a current customer",
  "take a call with my prospect", "site visit", "peer call", "put in front of");
- prospect context: a prospect, deal, opportunity, RFP, buyer;
- request: the seller asking ("anyone", "who has", "need", "looking for", "can I get"), a third party
  wanting ("prospect wants ...", "they'd like ..."), or, weaker, a question mark.

`query` keeps the part of the message that describes the wanted reference (industry, country, size,
product ...), for the search parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["AskDetection", "detect_ask", "strip_slack_markup"]

# Longer messages are read up to this many characters: asks are short, and the cost stays bounded.
MAX_CHARS = 4000
MAX_QUERY_CHARS = 300


@dataclass(frozen=True)
class AskDetection:
    is_ask: bool
    confidence: float  # 0..1
    query: str  # the part of the message describing the wanted reference, for the search parser
    signals: tuple[str, ...]  # short human-readable reasons, for logs/debug


# --------------------------------------------------------------------------------------------------
# Slack markup

_CODE_BLOCK = re.compile(r"```.*?(?:```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_ANGLE = re.compile(r"<([^<>\n]{0,2000})>")
_EMOJI = re.compile(r":(?=[a-z0-9_+'\-]{0,60}[a-z])[a-z0-9_+'\-]{1,60}:")
_FORMAT_MARK = re.compile(r"(?<!\w)[*_~]+|[*_~]+(?!\w)")
_BULLET = re.compile(r"[\u2022\u25e6\u25aa\u25cf\u2023]")
_QUOTE_MARK = re.compile(r"(?m)^[ \t]*>+[ \t]?")
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")
_LINK_SCHEME = re.compile(r"(?i)(?:https?|mailto|tel|slack):")


def _angle(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target[:1] in ("@", "#", "!"):
        return " "
    if _LINK_SCHEME.match(target):
        return f" {label} " if label else " "
    return f" {label or target} "


def strip_slack_markup(text: str) -> str:
    """Plain text of a Slack message: no code, mentions, channel links, link targets, emoji or format marks."""
    text = _CODE_BLOCK.sub("\n", text)
    text = _INLINE_CODE.sub(" ", text)
    text = _ANGLE.sub(_angle, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = _QUOTE_MARK.sub("", text)
    text = _EMOJI.sub(" ", text)
    text = _FORMAT_MARK.sub("", text)
    text = _BULLET.sub("\n", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------------------------------
# Spelling: typos and shorthand sellers type in a hurry

_WORD_FIXES = {
    "referance": "reference",
    "refrence": "reference",
    "refernce": "reference",
    "referece": "reference",
    "refference": "reference",
    "reffrence": "reference",
    "referenec": "reference",
    "refrance": "reference",
    "referances": "references",
    "refrences": "references",
    "refernces": "references",
    "refereces": "references",
    "refferences": "references",
    "refrenceable": "referenceable",
    "referencable": "referenceable",
    "referenceble": "referenceable",
    "refs": "references",
    "custmer": "customer",
    "cusotmer": "customer",
    "costumer": "customer",
    "customar": "customer",
    "cust": "customer",
    "custs": "customers",
    "custmers": "customers",
    "costumers": "customers",
    "propsect": "prospect",
    "prospct": "prospect",
    "porspect": "prospect",
    "any1": "anyone",
    "some1": "someone",
    "anybdy": "anybody",
    "u": "you",
    "abt": "about",
    "ppl": "people",
    "pls": "please",
    "plz": "please",
    "govt": "government",
    "gov": "government",
}
_WORD = re.compile(r"\b[A-Za-z]+1?\b")
_REF_SHORT = re.compile(r"\bref\b(?!\s*[:#\d])", re.I)
_WITH_SLASH = re.compile(r"\bw/(?=\s)", re.I)
_FOUR = re.compile(r"\b(looking|searching|need|asking|ask) 4\b", re.I)


def _fix_word(match: re.Match[str]) -> str:
    word = match.group(0)
    return _WORD_FIXES.get(word.lower(), word)


def _normalise(text: str) -> str:
    text = _WORD.sub(_fix_word, text)
    text = _REF_SHORT.sub("reference", text)
    text = _WITH_SLASH.sub("with", text)
    return _FOUR.sub(r"\1 for", text)


# --------------------------------------------------------------------------------------------------
# Evidence. All patterns run on the lower-cased, normalised text.

_W = r"[\w'&-]+"  # one word


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(parts))


# "reference" in a sense that is not the customer one. Blanked out before anything else is read.
_LOOKALIKES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("code reference", _rx(r"\b(?:api|sdk|cli|command|syntax|language|function|method) references?\b")),
    (
        "job reference",
        _rx(r"\b(?:job|employment|employer|character|personal|professional|landlord|tenant|academic|work) references?\b"),
    ),
    (
        "reference material",
        _rx(
            r"\b(?:customer |client )?references? (?:customers? |clients? )?(?:architectures?|docs?|documentation|documents?"
            r"|guides?|manuals?|implementations?|designs?|models?|numbers?|no|ids?|codes?|data|datasets?|points?|letters?"
            r"|checks?|checking|sections?|pricing|prices?|decks?|slides?|pages?|materials?|cards?|sheets?|spreadsheets?"
            r"|tables?|links?|images?|frames?|books?|library|libraries|templates?|types?|counts?|counting|exceptions?"
            r"|sites?|apps?|environments?|solutions?|configs?|configurations?|builds?|values?|programs?|programmes?"
            r"|reports?|portal|process|policy|policies|guidelines|trackers?|files?|folders?|database|dashboards?|wiki"
            r"|forms?|lists?|fields?|stories? deck)\b"
        ),
    ),
    (
        "for reference",
        _rx(r"\b(?:for|as) (?:your |future |my |our |further |easy |quick |later )?reference\b(?! (?:call|customer|account|for|in|from))"),
    ),
    ("frame of reference", _rx(r"\b(?:frame|point|terms|term) of reference\b")),
    ("cross-reference", _rx(r"\bcross[- ]?referenc\w*")),
    ("null reference", _rx(r"\bnull ?referenc\w*")),
    ("by reference", _rx(r"\b(?:pass|passed|passing|call|called|return|returned|captured?|stored?|held) by reference\b")),
    (
        "reference as a verb",
        _rx(
            r"\b(?:i'll|i will|we'll|we will|to|please|can you|could you|i|we|you|don't|just|always) reference "
            r"(?:this|that|it|the|our|their|these|those|them|his|her)\b"
        ),
    ),
    ("references to", _rx(r"\breferences to (?:the|our|their|this|that|it|any)\b")),
)

_STRONG_REFERENCE = _rx(
    r"\b(?:customer|client|peer|user|partner)[- ]references?\b",
    r"\breferences? (?:customers?|clients?|accounts?|calls?|chats?|contacts?|site visits?|visits?|logos?)\b",
    r"\breferenceable\b",
)
_REFERENCE = _rx(
    r"\b(?:a|an|any|another|one|two|three|four|\d{1,2}|some|good|great|solid|strong|best|top|happy|more|additional"
    rf"|couple of|few|our|your|go-to)(?: {_W})? references?\b",
    r"(?<!the )(?<!this )(?<!that )\breferences? (?:in|for|from) ",
)
# A reference ask written as a headline: "reference needed: ...", "reference request: ...", "*Reference ask*".
_SELF_ASK = _rx(
    r"\breferences?(?: call| customer| contact)? (?:needed|wanted|required|ask)\b",
    r"^\W*references?(?: call)? request\s*[:-]",
    r"\breferences?(?: call)? (?:please|asap|urgently)\b",
)

# Kinds of organisations sellers name instead of saying "customer".
_ORG = (
    r"(?:banks?|insurers?|insurance compan(?:y|ies)|hospitals?|(?:hospital |health ?care |health )systems?|retailers?"
    r"|grocers?|universit(?:y|ies)|colleges?|manufacturers?|credit unions?|3pls?|law firms?|utilit(?:y|ies)|airlines?"
    r"|hotels?|hotel chains?|telcos?|carriers?|councils?|municipalit(?:y|ies)|payers?|pharmas?|biotechs?|fintechs?"
    r"|logos?)"
)
_CUSTOMER_NOUN = (
    r"(?:customers?|clients?|advocates?|peers?|logos?|users? of ours|(?:existing|current|other|happy|live) users?|"
    + _ORG[3:-1]
    + r")"
    r"(?!'s|[- ](?:facing|side|success|support|service|portal|dinner|advisory|escalation|call|list|logo|contract|data"
    r"|export|records?|templates?|nda|health|base|feedback|stor(?:y|ies)|journey|churn|count|satisfaction|experience"
    r"|meeting|names?))"
)
_CUSTOMER = _rx(
    rf"\b{_CUSTOMER_NOUN}\b",
    r"\b(?:someone|somebody|a contact|contacts|a person|people|(?:a )?(?:cio|cfo|cto|ciso|ceo|vp|director)) (?:at|from) "
    r"(?:a|an|one of our)\b",
    r"\bwho(?:'s| is| are) (?:using|live on|running on|running) (?:us|our)\b",
    r"\b(?:someone|somebody|anyone|people|a company|a contact|one|another \w+(?: \w+)?)(?: who'?s| who is| who are"
    r"| that'?s| that is)? (?:live on|using|running on|on) (?:us|our)\b",
)
# A request whose object is a customer: "anyone have a friendly customer", "is there a customer", "any customers".
_NOT_ADJ = r"(?!(?:with|for|to|from|about|on|of|the|our|my|your|their|help|list|new|spare)\b)"
_WANTED_CUSTOMER = _rx(
    r"\b(?:anyone|anybody|someone|somebody|any of (?:you|y'all|us)|either of you|do we|do you|have we|has anyone|have you)"
    rf" (?:have|has|got|know|know of|have got)(?: of)? (?:a|an|any|some|another|one)? ?(?:{_NOT_ADJ}{_W} ){{0,3}}?{_CUSTOMER_NOUN}\b",
    rf"\b(?:is|are) there (?:a|an|any|some) (?:{_NOT_ADJ}{_W} ){{0,3}}?{_CUSTOMER_NOUN}\b",
    rf"(?:^|[.!?\n] ?)any (?:{_NOT_ADJ}{_W} ){{0,3}}?{_CUSTOMER_NOUN}\b",
    rf"\b(?:need|needs|looking for|trying to find|searching for|find) (?:a|an|some|another|one)? ?(?:{_NOT_ADJ}{_W} ){{0,3}}?{_CUSTOMER_NOUN}\b",
    rf"\bwho(?: has| have|'s got| got| do we have| do i know) (?:a|an|any|some)? ?(?:{_NOT_ADJ}{_W} ){{0,3}}?{_CUSTOMER_NOUN}\b",
    r"(?<!see )(?<!know )(?<!check )(?<!tell )(?<!asked )(?<!asks )(?<!asking )\bwhich (?:customers?|clients?|accounts?|logos?)\b",
    r"\bwho do we have (?:in|at|for)\b",
    rf"\bwho(?:'s| is| would be| could be| might be) (?:the|a|our)? ?(?:best|right|ideal|good|go-to)? ?{_CUSTOMER_NOUN}\b",
)
_ROLE = (
    r"(?:cio|cfo|cto|ciso|ceo|coo|cmo|cro|vp|svp|evp|head of \w+|director|it lead|it team|security team"
    r"|exec(?:utive)?s?|board|buying committee)"
)
_WANT_TO = r"(?:to|'d|would|could|can|will|might|insist(?:s|ed)? on|keen on)"
_TALK = r"(?:talk|speak|chat|hear|learn|connect|meet)(?:ing)?"
# What the customer is wanted for: talking to the seller's prospect (verbs in wanting form, not "I'm talking to ...").
_PURPOSE = _rx(
    rf"\b(?:talk|speak|chat|meet|vouch|connect)(?:ing)? (?:to|with) (?:{_W} ){{0,3}}?prospects?(?:'s)?\b",
    rf"\b{_WANT_TO} {_TALK} (?:to|with|from) (?!our (?!customers?|clients?))(?!the (?:customer|client)\b)(?:{_W} ){{0,6}}?"
    rf"(?:customers?|clients?|peers?|references?|live on (?:us|our)|using (?:us|our)|{_ORG[3:-1]}"
    r"|users?(?! (?:conference|group|guide|manual|interface|research|story|stories|experience))|one"
    r"|(?:someone|somebody|people|a company|one) (?:at|from) (?:a|an)"
    r"|(?:someone|somebody|people|a company|one) (?:who|that) (?:uses|is using|has used|runs|did|moved|switched|migrated"
    r"|replaced|went live|has gone live))\b",
    rf"\b{_WANT_TO} {_TALK} (?:to|with) (?:a|an|the|their|my|his|her) (?:{_W} ){{0,2}}?{_ROLE}\b",
    r"(?<=[a-z0-9] )(?:who|that)(?:'d| would| could| can| will| might| is willing to| are willing to)? (?:speak|talk|chat) "
    r"(?:to|about|with)\b",
    r"\bprospect(?:'s)?\b[^.?!\n]{0,40}?\b(?:wants?|asked|asks|asking|would like|'d like|needs?) to (?:hear|learn|talk|speak|chat)\b",
    rf"\bhear (?:from|it from) (?:{_W} ){{0,4}}?(?:customers?|clients?|peers?)\b",
    r"\b(?:take|do|jump on|hop on|get on|open to|up for|available for|happy to do|willing to do) (?:a |an )?"
    r"(?:quick |short |\d+ ?min(?:ute)?s? )?(?:reference |peer )?call\b",
    r"\b(?:get|receive|take) a call from (?:a |an |my |the |our )?prospect",
    r"\b(?:mind|do|doing|take|taking|have|having|join|joining) (?:a |an )?(?:quick |short )?call with (?:a |an |my |the |our )?prospect",
    r"\b(?:i|we) (?:can|could) (?:call|ring|use as|contact|reach out to)\b",
    r"\b(?:bring|take) (?:my |the |our |a )?prospects? (?:to visit|to see|along|on a visit)\b",
    r"\bput (?:them |it |him |her )?in front of\b|\bvouch for\b|\bsite visits?\b",
    r"\bpeer (?:call|conversation|chat|reference|discussion)s?\b",
    r"\bshare (?:their|his|her|its) (?:experience|story|journey)\b",
    r"\b(?:willing|happy|open|ok|okay|keen) to (?:talk|speak|chat|be a reference)(?:ing)?\b",
    r"\b(?:willing|happy|open|ok|okay|keen|up) (?:to|for) (?:talking|speaking|chatting)\b",
    r"\bwho'?d (?:talk|speak|chat)\b",
)
# "connect me with a customer", "intro me to a client": an ask on its own.
_CONNECT = _rx(
    rf"\b(?:connect|intro|introduce|put) (?:me|us) (?:in touch )?(?:with|to) (?:{_W} ){{0,3}}?(?:customers?|clients?)\b"
)
# The call is *with* a customer: an internal meeting, not a reference ("who can take a call with a customer at 4pm?").
_CALL_WITH_CUSTOMER = _rx(r"\bcall with (?:a|the|our|my|this|that) (?:customer|client)\b")
_PROSPECT = _rx(
    r"\b(?:prospects?|opp|opps|opportunity|deal|rfp|rfi|bakeoff|bake-off|champion|buyer|competing against|evaluating"
    r"|before (?:they )?sign(?:ing)?)\b"
)

# The seller asking.
_REQUEST = _rx(
    r"\b(?:anyone|anybody|any of you|either of you|y'?all|folks)\b",
    r"\b(?:someone|somebody) (?:have|has|got|know|help|connect|intro|point|recommend|share)\b",
    r"\bwho(?:'s| is) (?:got|a good|the best|the go-to|our|someone|a customer|a client)\b",
    r"\bwho(?: has| have|'s got| got| could| can| would| do we have| do i| do you)\b",
    r"\bwho should (?:i|we) (?:ask|talk|reach|contact|ping|go to)\b",
    r"\b(?:do|does|did) (?:we|you|anyone|anybody|any of you|either of you) (?:have|know|still have)\b",
    r"\bha(?:s|ve) any(?:one|body| of you| of y'all)\b",
    r"\b(?:is|are) there (?:a|an|any|anyone|someone)\b(?! (?:way|report|dashboard|list|doc|template|place)\b)",
    r"\bany (?:chance|ideas|idea|leads|help|suggestions|recommendations|takers|pointers)\b",
    rf"(?:^|[.!?\n] ?)any (?:{_W} ){{0,2}}?(?:customers?|clients?|references?|logos?)\b",
    r"(?<!see )(?<!know )(?<!check )(?<!tell )(?<!asked )(?<!asks )(?<!asking )\bwhich (?:customers?|clients?|accounts?|logos?)\b",
    r"\bneed(?:s|ed|ing)?\b(?!-by)|\blooking for\b|\btrying to find\b|\bsearching for\b|\bhunting for\b|\bin search of\b",
    r"\brequest(?:ing)? (?:a|an|two|\d) \w*|\b(?:like|want|need) to request\b",
    r"\b(?:can|could|may) (?:i|we) (?:get|have|find|borrow)\b|\bwhere (?:can|do) (?:i|we) (?:get|find)\b",
    r"\b(?:suggestions|ideas|recommendations|thoughts)\?",
    r"\bcould use\b|\bhelp\b|\bdm me\b|\bping me\b|\blmk\b|\blet me know\b|\bthanks in advance\b|\btia\b",
    r"\b(?:can|could|would) (?:you|someone|anyone|somebody|anybody|you all) (?:help|connect|intro|introduce|point"
    r"|recommend|suggest|share|find|tell)",
)
# A third party wanting: "prospect wants ...", "they'd like to talk ...".
_DESIRE = _rx(
    r"\bprospect(?:'s)?\b[^.?!\n]{0,40}?\b(?:wants?|asked|asks|asking|would like|'d like|'d love|would love|needs?"
    r"|requires?|required|requested|requesting|insists?|insisting|is keen|is eager|is hoping)\b",
    r"\b(?:they|he|she|cfo|cto|ciso|cio|ceo|coo|buyer|champion)(?: really| specifically| also)? (?:want|wants|'d like"
    r"|would like|'d love|would love|asked|are asking|is asking|need|needs|require|requires|insist|insists)\b",
)
# Logistics about a reference call that is already arranged, not a new ask.
_LOGISTICS = _rx(
    r"\b(?:can'?t make|cannot make|reschedul\w*|cancel\w*|cover|covering|booked|scheduled|went (?:great|well|badly)"
    r"|debrief\w*|recording|notes from|approved|declined|moved to)\b"
)
# Advice pointing at RefBot itself ("prospect wants to talk to a customer? use /reference search").
_ADVICE = _rx(r"\b(?:use|try|via|through|run|with) (?:/reference|refbot)\b", r"\brefbot will\b")
# "Reference" meaning a recommendation for a person or a service, not a customer.
_PERSONAL = _rx(
    r"\b(?:candidate|former employee|contractor|freelancer|hiring|new hire|recruit\w*|landlord|apartment|visa"
    r"|photographer|plumber|electrician|nanny|babysitter|dentist|mechanic|caterer|realtor|tutor|cleaner|painter"
    r"|handyman|lawyer|attorney|accountant|therapist|doctor|asking for a friend|consultant|cite|citation"
    r"|statistics?|book|course)\b"
)
_SENTENCE = re.compile(r"[^.?!\n]+(?:[.?!]+|\n|$)")


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group(0).strip(" .!?\n") if match else None


def _in_question(pattern: re.Pattern[str], text: str) -> str | None:
    """The first match of `pattern` inside a sentence that ends with a question mark."""
    for sentence in _SENTENCE.finditer(text):
        chunk = sentence.group(0)
        if chunk.rstrip().endswith("?"):
            found = _first(pattern, chunk)
            if found:
                return found
    return None


# --------------------------------------------------------------------------------------------------
# Query: the part of the message that describes the wanted reference

_LEAD_INS = re.compile(
    r"^(?:(?:hi|hey|hello|yo|morning|quick q|quick question|quick one|quick ask|question for the group|long shot but"
    r"|help|urgent|sooo*|so|ok|okay|calling all \w+)\b(?: (?:all|team|folks|everyone|guys|y'?all|there)\b)?"
    r"\s*[!,:.\-\u2014]*\s*)+",
    re.I,
)
# Removed from each sentence in this order: purpose clauses, request phrases, politeness, leftovers.
_QUERY_FILLERS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.I)
    for pattern in (
        r"\b(?:who|that|which)(?:'d|'s| would| could| can| might| will| is| are)?(?: be)?"
        r"(?: (?:willing|happy|open|ok|okay|keen|able|up for it))?(?: to| for)?"
        r" (?:take|do|jump on|hop on|get on|join|talk|speak|chat|vouch|give)\w*\b[^,;]*",
        r"\b(?:to|for (?:my|a) prospect to) (?:talk|speak|chat)(?: to| with)? (?:a |an |my |our |the |one of my )?"
        r"prospect(?:'s)?(?: \w+)?\b",
        r"\b(?:(?:that )?(?:i|we) (?:can|could) (?:call|ring|use|contact|reach out to|ask(?: to do a reference call)?)"
        r"|(?:that )?i could put in front of my prospect|for a reference call)\b",
        r"\b(?:does|do|did|has|have|is|are) (?:anyone|anybody|any of (?:you|y'all)|either of you|we|you|there)"
        r"(?: (?:have|has|got|know|know of|aware of|still have|who has|out there))?(?: of)?\b",
        r"\b(?:can|could|would) (?:you|you guys|someone|anyone|somebody|anybody) (?:help me find|help me out with|help"
        r"|connect me with|connect me to|intro me to|introduce me to|point me to|recommend|share|tell me|hook me up with)\b",
        r"\b(?:anyone|anybody|someone|somebody)(?: (?:have|has|got|know|know of|able to share|aware of|able to find me))?\b",
        r"\bwho(?:'s| has| have| do we have| could i reach out to for| do i ask about getting| can i ask for)?"
        r"(?: got)?\b",
        r"\b(?:i(?:'m| am)?|we(?:'re| are)?|i really|we really|still)? ?(?:need(?:s|ed)?(?: help finding)?|looking for"
        r"|trying to find|trying to line up|searching for|requesting)\b(?!-by)",
        r"\b(?:can|could) (?:i|we) (?:get|have|find|borrow)\b",
        r"\bany (?:chance|ideas|idea|leads|help|suggestions|takers)(?: (?:we have|someone has|who i could ask|appreciated"
        r"|much appreciated))?\b",
        r"\b(?:please|thanks(?: in advance)?|thx|tia|help|dm me|ping me|lmk|asap|urgently|much appreciated)\b",
        r"(?:^|\s)'[sd]\b",
    )
)
_QUERY_JUNK = re.compile(r"^[\s,;:.!?\-\u2014()]+|[\s,;:.!?\-\u2014(]+$")
_QUERY_LEAD_WORDS = re.compile(r"^(?:(?:a|an|any|some|one|the|have|got|me|for|with)\b\s*)+", re.I)
_ALNUM = re.compile(r"[A-Za-z0-9]")


def _query(norm: str) -> str:
    parts: list[str] = []
    for match in _SENTENCE.finditer(norm):
        chunk = _LEAD_INS.sub("", match.group(0).strip())
        for filler in _QUERY_FILLERS:
            chunk = filler.sub(" ", chunk)
        chunk = _SPACES.sub(" ", chunk)
        chunk = _QUERY_JUNK.sub("", _QUERY_LEAD_WORDS.sub("", _QUERY_JUNK.sub("", chunk)))
        if len(_ALNUM.findall(chunk)) >= 3:
            parts.append(chunk)
    return "; ".join(parts)[:MAX_QUERY_CHARS].strip()


# --------------------------------------------------------------------------------------------------


def detect_ask(text: str) -> AskDetection:
    """Is this channel message someone asking for a customer to vouch for us to a prospect?"""
    plain = strip_slack_markup((text or "")[: MAX_CHARS * 4])[:MAX_CHARS]
    norm = _normalise(plain)
    low = norm.lower()
    if not _ALNUM.search(low):
        return AskDetection(is_ask=False, confidence=0.0, query="", signals=("no words",))

    signals: list[str] = []
    for name, pattern in _LOOKALIKES:
        if pattern.search(low):
            signals.append(f"look-alike: {name}")
            low = pattern.sub(" ~ ", low)

    strong = _first(_STRONG_REFERENCE, low)
    reference = strong or _first(_REFERENCE, low)
    self_ask = _first(_SELF_ASK, low)
    wanted = _first(_WANTED_CUSTOMER, low)
    customer = _first(_CUSTOMER, low)
    purpose = _first(_PURPOSE, low)
    connect = _first(_CONNECT, low)
    prospect = _first(_PROSPECT, low)
    request = _first(_REQUEST, low)
    desire = _first(_DESIRE, low)
    logistics = _first(_LOGISTICS, low)
    advice = _first(_ADVICE, low)
    personal = _first(_PERSONAL, low)

    if purpose and "call" in purpose and _CALL_WITH_CUSTOMER.search(low):
        signals.append("the call is with a customer (internal meeting)")
        purpose = None
    if reference and personal and not strong and not prospect:
        signals.append(f"personal or hiring context: {personal!r}")
        reference = None
    for label, value in (
        ("reference", reference),
        ("headline ask", self_ask),
        ("wanted customer", wanted),
        ("customer", customer),
        ("purpose", purpose),
        ("connect", connect),
        ("prospect", prospect),
        ("request", request),
        ("third party wants", desire),
    ):
        if value:
            signals.append(f"{label}: {value!r}")

    asking = bool(request or desire)
    question = _in_question(_STRONG_REFERENCE, low) or _in_question(_REFERENCE, low) or _in_question(_PURPOSE, low)
    reasons: list[str] = []
    if self_ask:
        reasons.append("headline ask")
    if connect:
        reasons.append("asks for an introduction to a customer")
    if reference and asking:
        reasons.append("asks for a reference")
    if reference and question and (prospect or wanted):
        reasons.append("question about a reference")
    if wanted and (purpose or prospect or reference):
        reasons.append("asks for a customer for a prospect")
    if customer and purpose and (asking or question):
        reasons.append("wants a customer to talk to a prospect")

    vetoes: list[str] = []
    if logistics and not request:
        vetoes.append(f"about a call already arranged ({logistics!r})")
    if advice and not request:
        vetoes.append(f"points at RefBot ({advice!r})")
    is_ask = bool(reasons) and not vetoes
    signals.extend(f"ask: {reason}" for reason in reasons)
    signals.extend(f"not an ask: {veto}" for veto in vetoes)

    score = (
        (0.35 if strong else 0.25 if reference else 0.0)
        + (0.35 if self_ask else 0.0)
        + (0.3 if wanted else 0.15 if customer else 0.0)
        + (0.25 if purpose else 0.0)
        + (0.3 if connect else 0.0)
        + (0.25 if request else 0.15 if desire else 0.05 if question else 0.0)
        + (0.1 if prospect else 0.0)
    )
    confidence = round(min(0.99, 0.5 + score / 2), 2) if is_ask else round(min(0.45, score / 2), 2)
    return AskDetection(
        is_ask=is_ask,
        confidence=confidence,
        query=_query(norm) if is_ask else "",
        signals=tuple(signals),
    )
