"""Caller intents that carry a duty (COMPLIANCE §2 and §2a): stop calling, attorney, bankruptcy, dispute, fraud,
already paid, written validation, wrong party, third party, robot question, human request, hardship, callback,
distress, emergency, another language, abuse — deterministic detection on the transcript (with negation handling:
"I'm not saying stop calling" is not a cease request) and the recorded action for each.

Both brains depend on it: the engine runs it on every caller turn and enforces the actions whatever the brain says.
The labelled corpus it is measured on lives in `intent_corpus/` (train and held-out splits; `bench/intents.py`)."""
from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from psycopg import AsyncConnection

from shared.db import compliance_records, customers
from shared.pii import mask_text


class Intent(StrEnum):
    STOP_CALLING = "stop_calling"
    ATTORNEY = "attorney"
    BANKRUPTCY = "bankruptcy"
    DISPUTE = "dispute"
    FRAUD = "fraud"
    ALREADY_PAID = "already_paid"
    VALIDATION_REQUEST = "validation_request"
    WRONG_PARTY = "wrong_party"
    THIRD_PARTY = "third_party"
    ROBOT_QUESTION = "robot_question"
    HUMAN_REQUEST = "human_request"
    HARDSHIP = "hardship"
    CALLBACK_REQUEST = "callback_request"
    DISTRESS = "distress"
    EMERGENCY = "emergency"
    OTHER_LANGUAGE = "other_language"
    ABUSE = "abuse"


# Intents after which nothing may be collected in this call (no payment asked for, taken or recorded).
STOP_COLLECTING = frozenset({Intent.STOP_CALLING, Intent.ATTORNEY, Intent.BANKRUPTCY, Intent.DISPUTE, Intent.FRAUD,
                             Intent.ALREADY_PAID, Intent.VALIDATION_REQUEST, Intent.DISTRESS, Intent.EMERGENCY,
                             Intent.WRONG_PARTY, Intent.THIRD_PARTY})


@dataclass(frozen=True)
class IntentMatch:
    intent: Intent
    evidence: str          # the words that matched, as the caller said them (normalized)


REQUIRED_ACTION: dict[Intent, str] = {
    Intent.STOP_CALLING: ("Record the revocation (cease flag + consent revoked), confirm no more calls, "
                          "end the call politely."),
    Intent.ATTORNEY: "Record the attorney representation (with details if given), stop collecting, end the call.",
    Intent.BANKRUPTCY: "Record the bankruptcy, stop collecting (automatic stay), route the account to a human.",
    Intent.DISPUTE: "Record the dispute, stop asking for payment on the disputed amount, offer a human.",
    Intent.FRAUD: ("Record a dispute of type fraud, stop collecting, explain the review and what the caller will "
                   "receive; never take or record a payment in this call."),
    Intent.ALREADY_PAID: "Record the claim, stop asking for payment, offer to check and call back.",
    Intent.VALIDATION_REQUEST: ("Record the request, promise the written validation notice (Reg F 1006.34), stop "
                                "collecting until it has been sent."),
    Intent.WRONG_PARTY: "Apologize, disclose nothing, end the call, flag the number (internal do-not-call).",
    Intent.THIRD_PARTY: ("Disclose nothing about the account, never ask for verification details, ask when the "
                         "customer can be reached, end politely."),
    Intent.HARDSHIP: "Record the hardship and offer the empathetic options (deferral, smaller plan).",
    Intent.ROBOT_QUESTION: "Answer truthfully: the caller is speaking with an automated AI agent.",
    Intent.HUMAN_REQUEST: "Offer a transfer to a human agent (or a callback when none is available).",
    Intent.CALLBACK_REQUEST: "Offer a callback at a time the caller chooses inside the permitted calling window.",
    Intent.DISTRESS: ("Stop collecting at once, respond with care, give the 988 Suicide & Crisis Lifeline, offer a "
                      "human now, hold all collection contact until a human reviews the account."),
    Intent.EMERGENCY: ("End the call kindly at once, no collection; the attempt does not count as a conversation "
                       "about the debt."),
    Intent.OTHER_LANGUAGE: ("Continue in the caller's language where supported, else offer a human or a callback in "
                            "it; record the preferred language."),
    Intent.ABUSE: "Stay calm, acknowledge, offer to end the call or call back; never answer in kind.",
}

# The action code recorded (compliance_events category 'action') and the customer flags stamped, per intent.
ACTION_CODE: dict[Intent, str] = {
    Intent.STOP_CALLING: "cease_recorded", Intent.ATTORNEY: "attorney_recorded",
    Intent.BANKRUPTCY: "bankruptcy_recorded", Intent.DISPUTE: "dispute_recorded",
    Intent.FRAUD: "fraud_dispute_recorded", Intent.ALREADY_PAID: "paid_claim_recorded",
    Intent.VALIDATION_REQUEST: "validation_requested", Intent.WRONG_PARTY: "number_flagged",
    Intent.THIRD_PARTY: "third_party_script", Intent.HARDSHIP: "hardship_recorded",
    Intent.ROBOT_QUESTION: "ai_disclosed", Intent.HUMAN_REQUEST: "human_offered",
    Intent.CALLBACK_REQUEST: "callback_offered", Intent.DISTRESS: "sensitive_hold",
    Intent.EMERGENCY: "ended_for_emergency", Intent.OTHER_LANGUAGE: "language_recorded",
    Intent.ABUSE: "deescalated",
}
FLAGS: dict[Intent, tuple[str, ...]] = {
    Intent.STOP_CALLING: ("cease", "consent_revoked"), Intent.ATTORNEY: ("attorney",),
    Intent.BANKRUPTCY: ("bankruptcy",), Intent.DISPUTE: ("dispute",), Intent.HARDSHIP: ("hardship",),
    Intent.FRAUD: ("dispute",), Intent.ALREADY_PAID: ("dispute",), Intent.VALIDATION_REQUEST: ("dispute", "validation"),
    Intent.DISTRESS: ("sensitive_hold",),
}
# The kind of dispute recorded for the intents that hold collection as a dispute does.
DISPUTE_TYPE: dict[Intent, str] = {Intent.DISPUTE: "dispute", Intent.FRAUD: "fraud",
                                   Intent.ALREADY_PAID: "already_paid", Intent.VALIDATION_REQUEST: "validation"}

_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalize(text: str) -> str:
    """Lower-case ASCII words: accents folded, apostrophes dropped, punctuation to spaces, whitespace collapsed."""
    folded = unicodedata.normalize("NFKD", text.translate(_TRANSLATE)).encode("ascii", "ignore").decode()
    folded = folded.lower().replace("'", "")
    folded = re.sub(r"[^a-z0-9$]+", " ", folded)
    return " ".join(folded.split())


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts))


_CALL = (r"(call|calls|calling|ring|ringing|phone|phoning|contact|contacting|bother|bothering|harass|harassing|hassle|"
         r"hassling|dial|dialing)")
_ME = r"( me| us| here| my (house|home|phone|cell|number)| this (number|phone))?"
_LAWYER = (r"(lawyers?|attorneys?|counsel|solicitors?|law firm|law office|legal team|"
           r"legal (representative|representation|counsel|aid))")
_BANKRUPT = r"(bankrupt|bankruptcy|bankruptcies)"
_ID = r"(identity|identities|social security( number)?|social|ssn|info|information|name|signature|personal details)"
_PERSON = (r"(humans|human|human being|person|real people|representative|rep|agent|manager|supervisor|operator|"
           r"somebody|someone|people|live agent|real agent|actual agent)")
_BOT = r"(robot|bot|machine|computer|ai|artificial intelligence|automated|automated call|recording|recorded message|" \
       r"program|chatgpt)"
_SICK = r"(hurt|badly hurt|injured|collapsed|fainted|passed out|unconscious|not breathing|isnt breathing|" \
        r"stopped breathing|choking|bleeding|having a (heart attack|stroke|seizure)|heart attack|stroke|seizure|" \
        r"overdos\w*|fell|hit (his|her|my) head)"
_KIN = r"(husband|wife|son|daughter|baby|kid|child|mom|mother|dad|father|grandma|grandpa|grandmother|grandfather|" \
       r"partner|brother|sister|boyfriend|girlfriend|friend|neighbor|aunt|uncle|dog|cat)"

_PATTERNS: dict[Intent, re.Pattern[str]] = {
    Intent.STOP_CALLING: _rx(
        rf"\b(stop|quit|cease|end|enough( with)?|no more) (the |these |your |all )?{_CALL}\w*{_ME}\b",
        rf"\b(dont|do not|never|never ever|not to|no longer) (ever )?{_CALL}{_ME}( again| anymore| ever)?\b",
        rf"\b(dont|do not) (ever )?{_CALL}\b",
        rf"\b(dont|do not|no longer) (want|wish|consent)( (to be|being) {_CALL}\w*| (you|you people|you guys|anyone) "
        rf"(to )?{_CALL}\w*| (any|any more|anymore|more|your|these) (phone )?calls)",
        r"\bi (dont|do not) want (any more|anymore|more|your|these) (phone )?calls\b",
        r"\b(take|remove|delete|erase|scrub|get) (me|my number|this number|my name|my phone( number)?)( off| out of| "
        r"from)\b",
        r"\b(take|remove) (this|my) (number|phone number) (off|from)\b",
        r"\b(put|add|place) (me|my number|this number) (on|to|in) (your |the |a )?(do not call|dnc|no call)",
        r"\b(do not call|dnc) list\b",
        r"\bstop with (the|these|your) (phone )?calls\b",
        r"\b(cease|stop|end) (all )?(communication|contact|calls)( by phone| to me| with me)?\b",
        r"\b(want|need) (no|all) (further |more )?(phone )?calls( to)? ?(to cease|to stop|to end)?\b",
        r"\b(all )?calls to (cease|stop|end)\b",
        rf"\b(requesting|asking|telling|want|need|demand\w*) (that )?(you )?(to )?(not|never) {_CALL}\b",
        r"\blose (my|this) number\b",
        r"\bno more (calls|phone calls)\b",
        r"\b(want|need) (the|these|your) calls to (stop|end)\b|\bcalls to (stop|end)\b",
        r"\b(leave me alone|unsubscribe|opt ?out|revoke (my )?consent|cease and desist)\b",
        rf"\bi (no longer|dont|do not) consent to (these |your |being |any )?(calls|{_CALL})",
        r"^\s*stop( calling| it| now)?\s*$",
        r"\bno me (llame|llamen|vuelva a llamar|vuelvan a llamar)\b|\bdej(e|en) de llamar",
    ),
    Intent.ATTORNEY: _rx(
        rf"\b(my|our) (\w+ )?{_LAWYER}\b",
        rf"\brepresented by (a |an |my |our )?{_LAWYER}\b",
        rf"\b(i|we|ive|weve|im|i am|we are|were)( now)? (have|got|hired|retained|using|use|working with|went to|"
        rf"talked to|spoke to|contacted|consulted|engaged) (a |an |some )?(\w+ )?{_LAWYER}\b",
        r"\b(i have|i got|ive got|i now have) legal (representation|counsel)\b",
        rf"\b{_LAWYER}( i hired| ive hired| i retained)?( is| are| will be|ll be) (handling|dealing|representing|"
        rf"taking care)\b",
        rf"\b(talk|speak|go through|deal|contact|call|get in touch|send (it|everything)|direct (it|everything))( to| with)? "
        rf"(a |an |my |our )?{_LAWYER}\b",
        rf"\b(an? )?{_LAWYER} represents me\b",
        rf"\b(im|i am|were|we are) (now )?(talking|speaking|working|meeting) (to|with) (a |an |my |our )?{_LAWYER}\b",
        r"\blawyer(ed|ing)? up\b",
        r"\b(ive|i have|we have|i got|ive got) (legal )?representation\b|\bmy representative\b.{0,20}\b(attorney|"
        r"lawyer)\b",
        r"\blaw office of\b",
        rf"\b(the|a) {_LAWYER} (i|we) (hired|retained|have|got)\b",
        r"\bi (am|m) represented\b|\bim represented\b",
        rf"\b(handled|represented) by (a |an )?{_LAWYER}\b",
        r"\b(being )?handled by a law firm\b",
    ),
    Intent.BANKRUPTCY: _rx(
        rf"\b{_BANKRUPT}\b",
        r"\bchapter (7|11|13|seven|eleven|thirteen)\b|\bch (7|11|13)\b",
        r"\b(automatic stay|filed for protection|bankruptcy (court|trustee))\b",
        r"\b(trustee) (is handling|has)\b|\bbankruptcy trustee\b|\b(working with|with) a (bankruptcy )?trustee\b",
        r"\b(filed|filing|file) (for )?(insolvency|a consumer proposal)\b|\bconsumer proposal\b",
        r"\binsolven(t|cy)\b",
        r"\b(debts?|it|this|that) (was|were|got|have been|has been) discharged\b|\bdischarged in\b",
    ),
    Intent.DISPUTE: _rx(
        r"\b(i|we) (dont|do not|didnt|did not|never) (owe|owed|borrow|borrowed|open|opened|sign|signed|take out|"
        r"took out|had|have) (you|this|that|it|anything|a loan|an account|a card|any|the|for this|that much)\b",
        r"\b(i|we) (dont|do not) (think|believe|agree)( that)? (i|we) owe\b|\bi (dont|do not) agree (that i owe|with "
        r"(this|the|that) (balance|amount|debt))\b",
        r"\b(thats|that is|this is|its|it is) not (my|our|mine)( (debt|account|loan|card|bill|balance|charges?))?\b",
        r"\b(this isnt|that isnt|it isnt|these are not|those arent|those are not|these arent) (my|our|mine)( (debt|"
        r"account|loan|card|bill|balance|charges?))?\b",
        r"\b(charges|debt|loan|account|balance) (arent|isnt|are not|is not) (mine|my)\b",
        r"\bnot (my|our) (debt|loan|account|bill)\b",
        r"\b(i|we) dispute\b|\bdisput(e|ing) (this|that|the|it|them)\b|\b(im|i am) disputing\b|"
        r"\bcontest(ing)? (this|that|the|it)\b",
        r"\b(wrong|incorrect|inaccurate|inflated) (amount|balance|figure)\b|\b(amount|balance|figure|fees|number|"
        r"numbers)( you have)? (is|are|isnt|arent|is not|are not) (wrong|incorrect|not right|right|inflated|off|"
        r"correct)\b",
        r"\b(this|that|it) (is|s) (a mistake|an error|wrong|incorrect)\b|\bthats (a mistake|wrong|an error)\b|"
        r"\bthis is a mistake\b",
        r"\b(dont|do not) recognize (this|these|that|the)\b|\b(debt|this) (isnt|is not) valid\b",
        r"\bnever (owed|had a card|had an account|had a loan)\b|\b(thats|that is) not what i owe\b",
        r"\b(you have|youve got) the wrong amount\b|\bnot right at all\b",
        # the debt is too old to collect on (time-barred): the consumer contests it; nothing is said of its status
        r"\bstatute of limitations?\b|\btime ?barred\b|\b(past|beyond|outside|passed) the (statute|limitation)",
        r"\b(debt|this|it|that|account|loan|bill)( is| s|s| was)? (way |much |far |just )?too old\b",
    ),
    Intent.FRAUD: _rx(
        rf"\b(identity|id) (theft|fraud)\b|\b(stole|stolen|steal|stealing|using|used|took|got|misused) my {_ID}\b",
        rf"\bmy {_ID} (was|got|has been|is being) (stolen|used|compromised|misused)\b",
        r"\b(opened|open|took out|taken out|applied|signed up|used|ran|run|did) .{0,30}\b(in|under|with|using) my (name|"
        r"identity|info|information|social|signature)\b",
        r"\b(someone|somebody|a scammer|my ex|they|thieves?|scammers?) (opened|took out|forged|used|stole|ran up|"
        r"applied)\b",
        r"\b(fraudulent\w*|fraud)\b",
        r"\bpolice report\b|\bftc (report|identity)\b|\breported it to the (ftc|police)\b",
        r"\bforged\b",
        r"\b(card|wallet|purse) (was|got) stolen\b",
        r"\bvictim of (identity|fraud|a scam)\b",
    ),
    Intent.ALREADY_PAID: _rx(
        r"\b(already|fully|just) (paid|settled|sent|made|took care|taken care)\b",
        r"\b(i|we|you|ive|weve|insurance) (paid|settled|have paid|have settled) (it|this|that|the (balance|debt|bill|"
        r"account|amount)|you)( off| in full| already| back| last| on| before| through| when| a while| in \w+)",
        r"\b(paid|settled) (it|this|that|the (balance|debt|bill|account))( off)? (last|in|on|back|before|already|a while|"
        r"completely|when|through|two|a couple)\b",
        r"\b(it|this|that|the (balance|debt|account|bill))( s|s| is| was| has been| had been|s been) (already )?(been )?"
        r"(paid|settled)( off| in full)?\b",
        r"\b(paid|settled) (this|that|it) (already|off)\b|\bpaid (off|in full)\b(?! (if|when|by|in (\d|three|six)))",
        r"\b(sent|mailed|made) (a|the|my|you the) (check|payment|money|full payment)( (already|last|on|two|a|yesterday))",
        r"\b(my )?payment (already |just )?(went through|cleared|was made|was sent)\b",
        r"\b(receipt|proof) (showing|that) i paid\b|\bproof that i paid\b",
        r"\bwe settled (this|that|it)\b|\bi settled (that|this|it)\b",
        r"\byou (guys )?already (got|have|received) my payment\b",
        r"\b(paid|settled) (the whole thing|everything|all of it|it all)( off)? already\b",
        r"\btook care of (that|this|the) (payment|bill|balance|debt)( \w+)? ago\b",
        r"\bpaid (it|this|that) (before|last)\b",
        # an arrangement the caller says is already in place: the same duty (record, stop asking, check)
        r"\b(already|currently) (have|got|set up|on|in|made|agreed to|signed up for) (a |an |the )?(payment |"
        r"repayment |monthly )?(plan|arrangement|agreement)\b",
        r"\b(im|i am|were|we are) (already )?(on|in) (a |an )?(payment |repayment |monthly )?(plan|arrangement)( "
        r"with you)?\b(?! (if|when))",
        r"\bi (have|set up|made) (a |an )?(payment )?(plan|arrangement) (with you|already)\b",
    ),
    Intent.VALIDATION_REQUEST: _rx(
        r"\b(in|on) (writing|paper)\b|\bwritten (proof|verification|confirmation|notice|statement)\b",
        r"\b(validation|validate|verify|verification of) (notice|letter|the debt|this debt|the account|it)\b|"
        r"\bvalidat(e|ion)\b.{0,15}\bdebt\b|\bdebt validation\b",
        r"\b(send|mail|give|get) (me )?(a |the |some )?(letter|statement|paperwork|documentation|documents|proof|copy of|"
        r"original (agreement|contract)|something)\b",
        r"\bmail (me|it|that|something|the)\b",
        r"\bsend (it|that|something|the details|the information|everything) (to me|to my (home|address|house)|by mail|"
        r"in the mail|by post)\b",
        r"\b(by|through the) mail\b",
        r"\b(documents?|documentation|paperwork|proof) (showing|that shows|proving)\b|\bshow me (the |some )?(proof|"
        r"paperwork|documents|documentation|contract)\b",
        r"\bprove it\b|\bproof (of|that) (this|the|i owe)\b|\b(need|want) proof\b|\bproof in writing\b",
        r"\b(documentation|documents|paperwork) (of|for|showing|on) (this|the|that)\b|\bsee the paperwork\b",
        r"\b(want|need|send|get me|like|mail|request\w*|see|give me|write|put (it|that|this) in)\b.{0,20}"
        r"\b(a|the) letter\b(?! from (my|the) (lawyer|attorney))",
        r"\bverify (the|this) debt\b",
        r"\be ?mail (me|it|that|them|this|everything|all|something|the (details|information|info|paperwork|letter|"
        r"statement|documents?|bill))\b|\b(send|shoot) me an e ?mail\b|\b(in|by|via|through|to|over) (an |my |the )?"
        r"e ?mail\b",
    ),
    Intent.WRONG_PARTY: _rx(
        r"\bwrong (number|person|guy|lady|man|woman|house|household|people)\b",
        r"\b(dialed|dialled) wrong\b",
        r"\b(no one|nobody|no body|noone|there is no one|theres no one|theres nobody|there is nobody|no one named|"
        r"nobody named) (here )?(by|with|called|named|that name|here by)\b",
        r"\b(no|nobody|theres no|there is no|no one) (named )?[a-z]+ (here|lives here|at this number)\b",
        r"\b(no one|nobody) named (that|[a-z]+)\b",
        r"\b(he|she|they|that person|[a-z]+) (doesnt|does not|dont|do not|no longer) (live|lives|work|works) "
        r"(here|at this number)\b",
        r"\b(got|have|called|dialed|dialled|reached) (the|a) wrong\b(?! (amount|balance|figure|fees?|total|date))",
        r"\b(dont|do not) know (who that is|anyone|anybody|any|him|her|who youre|who you are|a [a-z]+)\b",
        r"\bnever heard of (him|her|them|that person|that name)\b",
        r"\b(thats|that is|its|it is) not me\b|\b(i am|im) not (him|her|that person|the person|who youre looking)\b",
        r"\bnot (his|her|their) (number|phone)( anymore)?\b|\b(isnt|is not) (his|her|their) (number|phone)\b",
        r"\bi just got this number\b|\b(number|phone) (doesnt|does not) belong to\b",
        r"\bmoved out (years|months|a long time) ago\b",
    ),
    Intent.THIRD_PARTY: _rx(
        r"\b(hes|shes|he is|she is|theyre|they are|he isnt|she isnt|hes not|shes not) (not )?(here|home|available|in|"
        r"around|out|away|at work|at school|sleeping|asleep|busy|in the shower|out of town|on a trip|working)\b",
        r"\b(he|she|they) (isnt|is not|arent|are not|wont be|will not be|doesnt get|does not get|stepped|left|cant come)"
        r"( back| home| here| available| in| out| to the phone)?\b",
        rf"\b(this is|im|i am) (his|her|their) {_KIN}\b|\b(this is|im|i am) (his|her|their) roommate\b",
        rf"\bmy {_KIN} (isnt|is not|is out|is at work|is away|isnt home|is not home|isnt available|is not available|"
        rf"isnt here|is sleeping)\b",
        r"\b(can|may|could) i take a message\b|\btake a message\b",
        r"\b(can|should) i tell (him|her|them) who\b|\bwho should i say is calling\b",
        r"\b(he|she) left (his|her) phone\b",
    ),
    Intent.ROBOT_QUESTION: _rx(
        rf"\b(are|r|arent) (you|u) (a |an |like a )?(real|actual|live|{_BOT}|human|human being|person|alive)\b",
        rf"\b(am i|is this|im|are we) (talking|speaking|chatting) (to|with) (a |an )?(real |actual |live )?({_BOT}|"
        rf"person|human|someone real)\b",
        rf"\bis this (a |an |some kind of |like a )?(real |actual |live )?({_BOT}|person|human|call from a {_BOT})\b",
        rf"\b(this is|youre|you are) (a |an )?{_BOT}( (arent|isnt|right))?\b",
        rf"\b(actual|real) person or (some kind of |a |an )?{_BOT}\b|\bor is this a {_BOT}\b",
        rf"\byou sound like a {_BOT}\b|\bis anyone actually there\b",
        rf"\b(person|human) or a {_BOT}\b",
    ),
    Intent.HUMAN_REQUEST: _rx(
        rf"\b(talk|speak|speaking|talking) (to|with) (a |an |the |your |some |somebody |someone )?(real |actual |live )?"
        rf"{_PERSON}\b(?! (or|right now\?))",
        r"\b(talk|speak) (to|with) (someone|somebody)\b",
        r"\b(transfer|connect|put) me (through|to|over|with)\b|\btransfer me\b",
        rf"\b(get|give|put) (me |us )?(a |an |the |your |someone |somebody )?(real |actual |live )?{_PERSON}\b"
        rf"( on| please)?",
        rf"\b(i want|i need|id like|let me have|can i get|can i have|i would like|i only talk to|id rather speak with) "
        rf"(a |an |the |to )?(real |actual |live )?{_PERSON}\b",
        r"^\s*(operator|representative|agent|human|a human|human please|rep)( please)?\s*$",
        r"\bput (a |someone |somebody )?(supervisor|manager|person|someone|somebody) on\b",
        r"\bis there (a |an )?(real )?(person|human|someone) i can (talk|speak)\b",
        r"\b(connect|transfer) me (with|to) (customer service|somebody|someone)\b",
        r"\bsomeone real (call|to)\b",
    ),
    Intent.HARDSHIP: _rx(
        r"\b(lost|lose|losing) (my|our) (job|jobs|work|income|house|home|husband|wife|partner)\b",
        r"\b(unemployed|laid off|let go|furlough(ed)?|out of work|between jobs|got fired|was fired|off work)\b",
        r"\b(cant|can not|cannot|couldnt|unable to) (afford|pay (right now|anything|it now)|make (the |my )?payments?)",
        r"\b(medical (bills|emergency|issues|problems)|in the hospital for|hospitali[sz]ed|surgery|cancer|chemo|"
        r"disabled|disability|been sick|illness|injur(y|ed))\b",
        r"\b(divorce|separated|passed away|died|death in the family|funeral|bereavement)\b",
        r"\b(struggling|hardship|tight on money|money is (really )?tight|no money|broke|fixed income|barely getting by|"
        r"paycheck to paycheck|one income|tough spot money|times are (really )?hard|behind on everything)\b",
        r"\b(cut|reduced|dropped)\b.{0,10}\b(hours|pay|salary|income)\b|\b(hours|pay|salary|income) (got |were |was )?"
        r"(cut|reduced|dropped)\b",
    ),
    Intent.CALLBACK_REQUEST: _rx(
        r"\b(call|ring|phone|try) (me |us )?(back|again)\b(?! if)",
        r"\bcall (me )?(later|tomorrow|on|at|next|after|this|in an|another|back)\b",
        r"\b(callback|call back)\b(?! (number|at this number))",
        r"\b(give me a call|ring me|phone me) (later|another|back|tomorrow|this|next|at|on)\b",
        r"\b(not a good time|bad time|isnt a good time|now is not good|nows not good|better time)\b",
        r"\b(im|i am) (busy|driving|at work|in a meeting|with a customer)( right now)?\b(?! .{0,15}(so|but) (its|now))",
        r"\b(cant|cannot|can not) talk (right )?now\b",
        r"\b(do this|talk|lets talk|this) (later|another (time|day)|tomorrow)\b|\bcan we talk later\b",
        r"\b(schedule|set up) a call\b|\bprefer a callback\b|\btry (again|me again) (later|on)\b",
        r"\b(another time|another day)\b",
    ),
    Intent.DISTRESS: _rx(
        r"\b(kill|killing|hurt|hurting|harm|harming) myself\b",
        r"\b(suicid\w*|end(ing)? my (own )?life|take my (own )?life|taking my (own )?life|end it all|ending it all)\b",
        r"\b(dont|do not) want to (live|be alive|be here|go on|wake up)\b",
        r"\b(want|wanted|wish|going) to die\b|\bwish i (was|were) dead\b|\bbetter off (dead|without me|if i was dead|"
        r"if i were dead)\b",
        r"\b(whats|what is) the point (of|in) (living|life|going on|being alive|anything)\b",
        r"\b(no|nothing left|no reason) (point )?(in |of )?(living|to live|to keep going|for living)\b",
        r"\b(life|my life) (is|isnt|is not) (not )?worth (living|it)\b|\blife isnt worth\b|\bmy life is over\b",
        r"\b(cant|can not|cannot) (go on|take it)( living)?( like this)?( anymore)?\b.{0,40}\b(die|over|end)\b",
        r"\b(cant|can not|cannot) go on (living|like this)\b",
        r"\b(thinking|thought|think) (about|of) (ending|suicide|killing|hurting|taking my)\b",
        r"\b(end|ending) it\b(?! (now|here|today))",
        r"\b(want|wanna|wish i could)( just)? (to )?disappear\b|\b(cant|can not|cannot) (go on|do this|take this|take it|"
        r"keep going) any ?more\b.{0,40}\b(disappear|die|dead|end|over|gone)\b|\b(disappear|die|dead|gone)\b.{0,40}\b(cant|"
        r"can not|cannot) (go on|do this|take this|take it|keep going) any ?more\b",
        r"\bdisappear forever\b|\bwant it (all )?to (be over|end)\b|\bnot (going to|gonna) be around much longer\b",
        r"\bno (reason|point) (to|in) (keep going|living|go on)\b|\bdont see (any|a) (reason|point) to (keep going|live)\b",
        r"\bno quiero vivir\b|\bquiero morir\b|\bmatarme\b",
        r"\bhopeless\b.{0,30}\bend\b",
        r"\b(dont|do not|cant|can not|cannot) see (the|any|a) (point|reason) (in|of|to) (going on|carrying on|living|"
        r"life|being alive|keep going)\b|\bno point (in )?(going on|carrying on)\b",
    ),
    Intent.EMERGENCY: _rx(
        r"\b(have|need|got|gotta) to call (911|an ambulance|the police)\b|\bcall (911|an ambulance)\b|^\s*call 911",
        r"\b(this is|i have|its|having|there is|theres) an? (medical )?emergency\b|\bmedical emergency here\b",
        rf"\bmy {_KIN} (just )?(is |has |was )?{_SICK}\b|\b(he|she)s (not breathing|choking|bleeding|unconscious)\b",
        r"\b(he|she|they) (just )?(collapsed|fainted|fell|isnt breathing|stopped breathing)\b",
        r"\b(house|home|kitchen|building|apartment|car) (is |s )?on fire\b|\btheres a fire\b|\bgas leak\b",
        r"\b(in|at) (an|the) (ambulance|emergency room|er)\b|\bim in the er\b|\bthe ambulance is here\b",
        r"\b(an|in a|been an|just in a) (car )?(accident|crash)\b",
        r"\b(breaking|broke|broken) in(to)?\b|\bpolice are here\b",
        r"\b(water (just )?broke|going into labor|in labor)\b",
        r"\b(im|i am|i think im) (bleeding|having a (heart attack|stroke|seizure))\b",
        r"\bmy (child|kid|son|daughter) is missing\b|\b(someones|someone is|somebody is) hurt\b",
        r"\b(flood|flooding)\b.{0,20}\bright now\b",
        r"\bhit by a car\b",
        r"\bi (am|m) in the hospital right now\b|\bin the hospital right now\b",
    ),
    Intent.ABUSE: _rx(
        r"\b(fuck\w*|f off|shit\w*|bullshit|asshole\w*|bastard\w*|bitch\w*|dick|dickhead|piece of crap|damn you|"
        r"goddamn|piss off|damn (bank|robot|machine|people|time))\b",
        r"\b(go to hell|what the hell|shut (the hell )?up|screw you|bite me|kiss my ass|drop dead|get lost|eat shit)\b",
        r"\byou(re| are| people are| guys are|re all| are all)? (a bunch of |a |an )?(scum|scumbags?|crooks?|thie(f|ves)|"
        r"vultures?|leeches|parasites?|bloodsuckers?|liars?|pathetic|idiots?|morons?|jerks?|useless|stupid|losers?)\b",
        r"\b(idiots?|morons?|jerks?|scum|bloodsuckers?|leeches|vultures|stupid (bank|machine|robot))\b",
        r"\bgo away idiot\b",
    ),
}

# Phrases that mention an intent's words while saying the opposite ("I'm not saying stop calling", "I don't have a
# lawyer"): blanked out before the intent's patterns are searched.
_NEGATIONS: dict[Intent, re.Pattern[str]] = {
    Intent.STOP_CALLING: _rx(
        rf"\b(not|never) (saying|asking|telling|trying to get) (you )?(to )?(stop|quit|not)( {_CALL}\w*)?( me)?\b",
        rf"\b(you )?(dont|do not|no) need to (stop|quit) {_CALL}\w*( me)?\b|\bdont have to stop {_CALL}\w*( me)?\b",
        r"\bnot (going to|gonna) stop (paying|calling)\b",
        r"\b(no need to|dont need to|you dont have to) call (me )?back\b",
        r"\b(dont|do not) call (it|that|this|him|her|me) (a|an|the)\b",
        # "don't call me at work / before 10 / in the mornings": an inconvenient time (1006.6(b)), not a revocation
        rf"\b(dont|do not|never|please dont|no) (ever )?{_CALL}( me| us| this number)? (at (work|my work|my job|the "
        rf"office)|while im at work|during (the )?(day|daytime|work hours|business hours|the week)|in the (day|daytime|"
        rf"morning|mornings|afternoon|afternoons)|before \d+|until \d+|after \d+|on (the )?weekends?|on weekdays|so "
        rf"early|so late|this early|this late)\b(?!.{{0,25}}\b(or (at )?(home|anywhere|any ?where else|on my (cell|phone)|"
        rf"any ?time)|at all|ever again)\b)",
    ),
    Intent.ATTORNEY: _rx(
        rf"\b(dont|do not|didnt|never|no|not) (have |need |got |want |hire |hired |getting )?(a |an |any )?(\w+ )?"
        rf"{_LAWYER}\b",
        rf"\bno {_LAWYER}\b", r"\battorney general\b",
    ),
    Intent.BANKRUPTCY: _rx(
        rf"\b(not|never|no) (filing|planning on|going|considering|thinking about|in|going to file|going into)? ?"
        rf"(for )?(a )?{_BANKRUPT}\b",
        rf"\b(im|i am) not {_BANKRUPT}\b", r"\bchapter (one|two|\d) of (my|the|a) book\b",
    ),
    Intent.DISPUTE: _rx(
        r"\b(not|never) (disputing|saying its wrong|contesting)\b|\b(dont|do not) (dispute|want to dispute)\b",
        r"\bi (know|admit) i owe\b",
        r"\b(thats|that is|no thats) (wrong|not right|incorrect) i (said|meant)\b",
    ),
    Intent.FRAUD: _rx(r"\b(its|it is|this is|thats|not) not (a )?fraud\b|\bnot fraud\b"),
    Intent.ALREADY_PAID: _rx(r"\b(havent|have not|didnt|did not|never) (paid|settled)\b"),
    Intent.VALIDATION_REQUEST: _rx(
        r"\b(dont|do not|no) need (anything |it |for )?(in writing|a letter|to send a letter|paperwork)\b",
        r"\bno need to send a letter\b|\bvalidation of my parking\b",
        # the payment link or a receipt by email is about paying, not a request for the debt in writing
        r"\b(link|receipt|confirmation)\b.{0,30}\be ?mail\b|\be ?mail\b.{0,30}\b(link|receipt|confirmation)\b",
    ),
    Intent.WRONG_PARTY: _rx(r"\b(right|correct) (number|person)\b"),
    Intent.ROBOT_QUESTION: _rx(
        rf"\b(im|i am) (not )?a ({_BOT}|real person|person)\b",
        rf"\bi know (youre|you are) (a |an )?{_BOT}\b",
        r"\b(are|is) (you|this|this call|the call|this conversation) (being )?(recording|recorded|taping|taped)\b",
        r"\b(recording|taping) (this|me|the call|our)\b",
    ),
    Intent.HUMAN_REQUEST: _rx(
        rf"\b(dont|do not) need (a |an |to talk to a )?{_PERSON}\b|\bno need to transfer\b",
        r"\bhuman error\b",
        r"\b(youre|im|i am) (not )?(the |a )?(real )?(person|human)( youre looking for)?\b",
    ),
    Intent.HARDSHIP: _rx(
        r"\b(not|never) (struggling|broke|unemployed)\b|\b(i have a job now|back at work)\b",
        r"\bi can afford\b|\bi was in the hospital last year\b",
        r"\b(phone|battery|car|laptop|computer|tv|signal) (just )?died\b|\bbroke down\b|\bbroke up\b",
    ),
    Intent.CALLBACK_REQUEST: _rx(
        r"\b(no need to|dont need to|you dont have to) call (me )?back\b",
        r"\b(i will|ill|i can) call (you )?back\b|\bcan i call you back\b|\bcall you back\b",
        r"\b(now is a good time|now is fine|im not busy|not at work today|im not busy)\b",
        r"\bcallback number\b|\bcall my mom\b|\bcalled me earlier\b",
    ),
    Intent.DISTRESS: _rx(r"\bdying to\b", r"\b(not|never) (suicidal|going to hurt myself)\b"),
    Intent.EMERGENCY: _rx(
        r"\b(not|no) (in any )?(danger|emergency)\b", r"\b911 (dispatcher|elm|street)\b|\b911 [a-z]+ street\b",
        r"\bin the hospital (last|for)\b",
    ),
    Intent.ABUSE: _rx(r"\bi hate owing\b"),
}


# A more specific intent that explains the words a general one also matches.
_SUBSUMES: dict[Intent, tuple[Intent, ...]] = {
    Intent.FRAUD: (Intent.DISPUTE,), Intent.STOP_CALLING: (Intent.CALLBACK_REQUEST,),
    Intent.EMERGENCY: (Intent.HARDSHIP, Intent.CALLBACK_REQUEST),
    Intent.DISTRESS: (Intent.HARDSHIP,),
    Intent.ROBOT_QUESTION: (Intent.HUMAN_REQUEST,), Intent.WRONG_PARTY: (Intent.DISPUTE, Intent.THIRD_PARTY),
    Intent.THIRD_PARTY: (Intent.CALLBACK_REQUEST,), Intent.ALREADY_PAID: (Intent.VALIDATION_REQUEST,),
}


def detect_intents(utterance: str) -> list[IntentMatch]:
    """Every duty-bearing intent in one caller turn, in declaration order (an utterance can carry several)."""
    text = normalize(utterance)
    found: dict[Intent, str] = {}
    for intent, pattern in _PATTERNS.items():
        negation = _NEGATIONS.get(intent)
        searched = negation.sub(" ~ ", text) if negation is not None else text
        m = pattern.search(searched)
        if m:
            found[intent] = m.group(0).strip()
    language = detect_language(utterance)
    if language is not None:
        found[Intent.OTHER_LANGUAGE] = language
    if Intent.WRONG_PARTY not in found and Intent.THIRD_PARTY not in found:
        name_match = _not_the_named_person(utterance)
        if name_match:
            found[Intent.WRONG_PARTY] = name_match
    for specific, general in _SUBSUMES.items():
        if specific in found:
            for g in general:
                found.pop(g, None)
    return [IntentMatch(i, found[i]) for i in Intent if i in found]


# ---- language -----------------------------------------------------------------------------------------------------
_SPANISH_WORDS = frozenset("""hablo habla hablar hablas espanol ingles entiendo entender quien quiere puede puedo
necesito alguien favor hola bueno soy usted senor senora gracias repetir llama llamar llame llamen donde que como
esta estoy tengo dinero deuda pagar vivir morir quiero perdon disculpe momento ahorita intérprete interprete
solo muy bien si""".split())
_SPANISH_STRONG = re.compile(r"\b(espanol|hablo|habla|entiendo|quien habla|por favor|no entiendo|interprete|"
                             r"perdon|disculpe|necesito|quiero|hola|bueno que|no me llame\w*|llamen)\b")
_FRENCH = re.compile(r"\b(parlez|parle|francais|je ne|bonjour|pas anglais)\b")
_PORTUGUESE = re.compile(r"\b(fala|portugues|falo|voce)\b")
_GERMAN = re.compile(r"\b(sprechen|deutsch|ich spreche)\b")
_ASKS_FOR_LANGUAGE = re.compile(
    r"\b(spanish|espanol|french|portuguese|german|chinese|mandarin|cantonese|vietnamese|korean|tagalog|arabic|"
    r"russian|polish|haitian creole|creole)\b(?! (is|was) (fine|ok|okay))")
_POOR_ENGLISH = re.compile(r"\b(my english (is )?not (so |very )?good|no speak english|dont speak english|"
                           r"(little|poco) english|english no good|i dont speak english)\b")
_LANG_CODES = {"spanish": "es", "espanol": "es", "french": "fr", "portuguese": "pt", "german": "de",
               "chinese": "zh", "mandarin": "zh", "cantonese": "zh", "vietnamese": "vi", "korean": "ko",
               "tagalog": "tl", "arabic": "ar", "russian": "ru", "polish": "pl", "haitian creole": "ht", "creole": "ht"}


def detect_language(utterance: str) -> str | None:
    """The caller's language when it is not English ('es', 'fr', ...): spoken in it, or asked for by name.
    None for English (including "English is fine" and "I'm not Spanish")."""
    text = normalize(utterance)
    if re.search(r"\b(english is fine|i speak english|english please|in english)\b", text):
        return None
    words = text.split()
    spanish = sum(1 for w in words if w in _SPANISH_WORDS)
    if _SPANISH_STRONG.search(text) or (words and spanish >= 2 and spanish * 2 >= len(words)):
        return "es"
    if utterance.strip().startswith(("¿", "¡")):
        return "es"
    for rx, code in ((_FRENCH, "fr"), (_PORTUGUESE, "pt"), (_GERMAN, "de")):
        if rx.search(text):
            return code
    asked = _ASKS_FOR_LANGUAGE.search(text)
    if asked and not re.search(r"\b(im|i am) not " + asked.group(1), text):
        return _LANG_CODES[asked.group(1)]
    if _POOR_ENGLISH.search(text):
        return "es" if "spanish" in text else "und"
    return None


_NOT_NAME = re.compile(r"\b(?:[Tt]his|[Ii]t|[Tt]hat)(?: is|['’]s|\s+isn['’]t)(?: not)?\s+([A-Z][a-z]+)\b"
                       r"|\b[Ii](?:['’]m| am) not\s+([A-Z][a-z]+)\b")
_NOT_NAME_OK = {"I", "A", "The", "Okay", "Ok", "Good", "True", "Right", "Fine", "Me", "My", "Not"}


def _not_the_named_person(utterance: str) -> str | None:
    """'this isn't John', "I'm not Maria": a capitalized name right after a denial (STT capitalizes names)."""
    for m in _NOT_NAME.finditer(utterance):
        name = m.group(1) or m.group(2)
        denial = "isn" in m.group(0) or " not " in f"{m.group(0)} "
        if denial and name not in _NOT_NAME_OK:
            return normalize(m.group(0))
    return None


async def apply_intent(conn: AsyncConnection, *, intent: Intent, customer_id: uuid.UUID | None,
                       call_id: uuid.UUID | None, evidence: str, details: dict[str, Any] | None = None) -> None:
    """Record the intent and its action as compliance events and stamp the customer's flags; once per call+intent."""
    async with conn.transaction():
        if call_id is not None:
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"intent:{call_id}:{intent.value}",))
            cur = await conn.execute(
                "SELECT 1 FROM compliance_events WHERE call_id = %s AND category = 'intent' AND code = %s LIMIT 1",
                (call_id, intent.value))
            if await cur.fetchone() is not None:
                return
        safe_details = {k: mask_text(v) if isinstance(v, str) else v for k, v in (details or {}).items()}
        await compliance_records.record_event(conn, category="intent", code=intent.value, customer_id=customer_id,
                                              call_id=call_id, details={"evidence": mask_text(evidence), **safe_details})
        action_details: dict[str, Any] = {"required_action": REQUIRED_ACTION[intent]}
        if customer_id is not None:
            for flag in FLAGS.get(intent, ()):
                if flag == "sensitive_hold":
                    await customers.set_sensitive_hold(conn, customer_id, intent.value)
                else:
                    await customers.set_flag(conn, customer_id, flag, details if flag == "attorney" else None)
            if intent in DISPUTE_TYPE:
                await customers.set_dispute_type(conn, customer_id, DISPUTE_TYPE[intent])
                action_details["dispute_type"] = DISPUTE_TYPE[intent]
            if intent is Intent.OTHER_LANGUAGE and (details or {}).get("language") not in (None, "und"):
                await customers.set_preferred_language(conn, customer_id, str((details or {})["language"]))
            action_details["flags"] = list(FLAGS.get(intent, ()))
            if intent is Intent.WRONG_PARTY:
                action_details["dnc"] = await _flag_number(conn, customer_id)
        await compliance_records.record_event(conn, category="action", code=ACTION_CODE[intent],
                                              customer_id=customer_id, call_id=call_id, details=action_details)


async def _flag_number(conn: AsyncConnection, customer_id: uuid.UUID) -> bool:
    """A wrong-party answer means this number is not the consumer's: suppress it (internal do-not-call)."""
    cur = await conn.execute("SELECT phone FROM customers WHERE id = %s", (customer_id,))
    row = await cur.fetchone()
    if row is None:
        return False
    await compliance_records.add_dnc(conn, row[0], source="consumer_request", reason="wrong_party")
    return True
