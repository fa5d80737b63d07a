"""The scripted parts of a call, whatever the brain: right-party identification, the caller intents the engine
enforces (COMPLIANCE §2 and §2a: safety, legal, third party, language), and the fixed lines they speak in English
and Spanish.

The engine feeds every caller turn here first; only what no flow claims reaches the brain. Once a safety or legal
intent has stopped collection, no later turn reaches the brain either: the flows close the call."""
from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from shared.agent import compliance_port as cp
from shared.agent import situations as sit
from shared.agent.brains import language as lang
from shared.agent.events import ComplianceNotice, EngineEvent
from shared.agent.numbers import normalize_numbers
from shared.agent.timeparse import UnparsableTime, parse_when
from shared.compliance.intents import Intent, normalize
from shared.db import arrangements, calls, customers
from shared.pii import mask_text

if TYPE_CHECKING:
    from shared.agent.engine import Engine

log = logging.getLogger(__name__)

# Tools that ask for or take money: refused once collection has stopped in a call.
COLLECTION_TOOLS = frozenset({"get_customer_options", "calculate_payment_plan", "process_payment",
                              "negotiation_guidance"})
SUPPORTED_LANGUAGES = ("en", "es")

# ---- fixed lines ------------------------------------------------------------------------------------------------
LINES: dict[str, dict[str, str]] = {
    "who_is_calling": {
        "en": "My name is {agent}, an automated assistant calling from {bank} about a personal business matter. "
              "Am I speaking with {name}?",
        "es": "Me llamo {agent}, un asistente automatizado que llama de parte de {bank} por un asunto personal de "
              "negocios. ¿Hablo con {name}?"},
    "who_is_calling_verify": {
        "en": "My name is {agent}, an automated assistant calling from {bank} about a personal business matter. "
              "Before I can say more, please tell me the last four digits of your account number and your ZIP or "
              "postal code.",
        "es": "Me llamo {agent}, un asistente automatizado que llama de parte de {bank} por un asunto personal de "
              "negocios. Antes de continuar, dígame los últimos cuatro dígitos de su número de cuenta y su código "
              "postal."},
    "emergency": {
        "en": "Oh no, please go and take care of that right now. We'll be in touch another time. Take care.",
        "es": "Por favor, vaya a atender eso ahora mismo. Nos comunicaremos en otro momento. Cuídese."},
    "distress": {
        "en": "I'm really sorry you're going through this, and I'm glad you told me. You matter far more than this "
              "call. You can call or text 988 at any time, day or night, to reach the Suicide and Crisis Lifeline, "
              "and if you're in danger right now, please call 911. We won't call you about this matter again until "
              "someone from our team has checked in with you. Would you like me to connect you with a person from "
              "our team right now?",
        "es": "Lamento mucho que esté pasando por esto, y gracias por decírmelo. Usted es mucho más importante que "
              "esta llamada. Puede llamar o enviar un mensaje de texto al 988 a cualquier hora para hablar con la "
              "Línea de Prevención del Suicidio y Crisis, que atiende en español, y si está en peligro ahora mismo, "
              "llame al 911. No le volveremos a llamar por este asunto hasta que alguien de nuestro equipo hable con "
              "usted. ¿Quiere que le comunique ahora con una persona de nuestro equipo?"},
    "distress_transfer": {
        "en": "I'm connecting you now. Please stay on the line.",
        "es": "Le comunico ahora mismo. Por favor, no cuelgue."},
    "distress_close": {
        "en": "That's okay. Please take care of yourself, and remember you can call or text 988 at any time. "
              "Goodbye.",
        "es": "Está bien. Cuídese mucho, y recuerde que puede llamar o escribir al 988 a cualquier hora. Adiós."},
    "distress_no_line": {
        "en": "Someone from our team will reach out to you soon. Please take care of yourself, and remember you can "
              "call or text 988 at any time. Goodbye.",
        "es": "Alguien de nuestro equipo se comunicará con usted pronto. Cuídese mucho, y recuerde que puede llamar o "
              "escribir al 988 a cualquier hora. Adiós."},
    "fraud_verified": {
        "en": "I'm sorry this happened to you. I've recorded this as a fraud dispute, and we've stopped all "
              "collection on this account while it's investigated, so no payment is needed from you while it's reviewed. "
              "You'll receive a letter explaining the review and what we may need from you, such as a copy of an "
              "identity theft report. Would you like me to transfer you to a specialist now?",
        "es": "Lamento que le haya pasado esto. Registré esto como una disputa por fraude, y detuvimos todo cobro en "
              "esta cuenta mientras se investiga. Recibirá una carta que explica la revisión y lo que podríamos "
              "necesitar, como una copia de un reporte policial o de robo de identidad. ¿Quiere que le transfiera "
              "con un especialista ahora?"},
    "fraud_unverified": {
        "en": "I'm sorry to hear that. I've made a note of it, and nothing will be asked of you on this call. Our "
              "team will review it, and you'll receive a letter explaining the next steps. Would you like me to "
              "transfer you to a specialist now?",
        "es": "Lamento escuchar eso. Lo anoté, y no se le pedirá nada en esta llamada. Nuestro equipo lo revisará, y "
              "recibirá una carta con los próximos pasos. ¿Quiere que le transfiera con un especialista ahora?"},
    "already_paid": {
        "en": "Thank you for letting me know. I've noted that you've already paid, and I won't ask you for anything "
              "today. Our team will check our records against your payment and call you back once it's confirmed. "
              "Is there anything else I can help you with?",
        "es": "Gracias por avisarme. Anoté que usted ya pagó, y hoy no le pediré nada. Nuestro equipo revisará "
              "nuestros registros y le llamará cuando esté confirmado. ¿Hay algo más en que le pueda ayudar?"},
    "validation_verified": {
        "en": "Of course. I've recorded your request, and we'll mail you a written validation notice with the "
              "details of the account. We won't ask you for anything on it until that notice has been sent. "
              "Thank you for your time. Goodbye.",
        "es": "Por supuesto. Registré su solicitud, y le enviaremos por correo un aviso de validación por escrito con "
              "los detalles de la cuenta. No le pediremos nada sobre ella hasta que se haya enviado. Gracias por su "
              "tiempo. Adiós."},
    "validation_unverified": {
        "en": "Of course. I've noted your request, and we'll send the information in writing to the address we "
              "have on file. Thank you for your time. Goodbye.",
        "es": "Por supuesto. Anoté su solicitud, y enviaremos la información por escrito a la dirección que tenemos "
              "registrada. Gracias por su tiempo. Adiós."},
    "validation_email_verified": {
        "en": "I'm not able to send email, but I've recorded your request, and we'll mail you a written validation "
              "notice with the details of the account. We won't ask you for anything on it until that notice has "
              "been sent. Thank you for your time. Goodbye.",
        "es": "No puedo enviar correos electrónicos, pero registré su solicitud, y le enviaremos por correo postal un "
              "aviso de validación por escrito con los detalles de la cuenta. No le pediremos nada sobre ella hasta "
              "que se haya enviado. Gracias por su tiempo. Adiós."},
    "validation_email_unverified": {
        "en": "I'm not able to send email, but I've noted your request, and we'll send the information in writing "
              "to the address we have on file. Thank you for your time. Goodbye.",
        "es": "No puedo enviar correos electrónicos, pero anoté su solicitud, y enviaremos la información por escrito "
              "a la dirección que tenemos registrada. Gracias por su tiempo. Adiós."},
    "arrangement_claimed": {
        "en": "Thank you for letting me know. I've noted that you have an arrangement with us, and I won't ask you "
              "for anything today. Our team will check our records and call you back once it's confirmed. Is there "
              "anything else I can help you with?",
        "es": "Gracias por avisarme. Anoté que usted ya tiene un acuerdo con nosotros, y hoy no le pediré nada. "
              "Nuestro equipo revisará nuestros registros y le llamará cuando esté confirmado. ¿Hay algo más en que "
              "le pueda ayudar?"},
    "deceased": {
        "en": "I'm so sorry for your loss, and thank you for letting me know. I'll pass this on to our team, and we "
              "won't call about this again while they update our records. Whoever is handling {first}'s estate can "
              "reach {bank} at {callback}. Take care. Goodbye.",
        "es": "Lamento mucho su pérdida, y gracias por avisarme. Se lo comunicaré a nuestro equipo, y no volveremos a "
              "llamar por este asunto mientras actualizan nuestros registros. Quien se encargue del patrimonio de "
              "{first} puede comunicarse con {bank} al {callback}. Cuídese. Adiós."},
    "threat": {
        "en": "I'm going to end this call now. Someone from our team will follow up. Goodbye.",
        "es": "Voy a terminar esta llamada ahora. Alguien de nuestro equipo se comunicará con usted. Adiós."},
    "deceased_inbound": {
        "en": "I'm so sorry for your loss. A specialist looks after the accounts of someone who has passed away; "
              "I'll connect you now.",
        "es": "Lamento mucho su pérdida. Un especialista atiende las cuentas de personas fallecidas; le comunico "
              "ahora."},
    "deceased_inbound_no_line": {
        "en": "I'm so sorry for your loss. Please call {bank} at {callback}, and a specialist who looks after the "
              "accounts of someone who has passed away will help you. Goodbye.",
        "es": "Lamento mucho su pérdida. Llame a {bank} al {callback}, y un especialista en cuentas de personas "
              "fallecidas le ayudará. Adiós."},
    "authority": {
        "en": "Thank you. A specialist needs to confirm the paperwork before we can talk about anything, so please "
              "call {bank} at {callback}. Goodbye.",
        "es": "Gracias. Un especialista debe confirmar los documentos antes de poder hablar de cualquier asunto, así "
              "que llame a {bank} al {callback}. Adiós."},
    "minor_inbound": {
        "en": "Okay, thanks for calling. Please have the account holder call us at {callback}. Goodbye.",
        "es": "Muy bien, gracias por llamar. Pídale al titular de la cuenta que nos llame al {callback}. Adiós."},
    "minor": {
        "en": "Okay, thanks. I'll try another time. Goodbye.",
        "es": "Muy bien, gracias. Llamaré en otro momento. Adiós."},
    "handoff": {
        "en": "I'm sorry, I can only discuss this with {first}. If you'd like someone to speak for you, you can call "
              "us at {callback} to set that up. {first}, shall we go on?",
        "es": "Lo siento, solo puedo hablar de esto con {first}. Si quiere que otra persona hable por usted, puede "
              "llamarnos al {callback} para autorizarlo. {first}, ¿seguimos?"},
    "handoff_close": {
        "en": "I'm sorry, I can only speak with {first} about this. {first} can reach us at {callback} at any time. "
              "Goodbye.",
        "es": "Lo siento, solo puedo hablar de esto con {first}. {first} puede llamarnos al {callback} en cualquier "
              "momento. Adiós."},
    "others_listening": {
        "en": "Thanks for letting me know. I'll be talking about your account, so please only go on if you're "
              "comfortable with others hearing it. Shall we continue?",
        "es": "Gracias por avisarme. Hablaré de su cuenta, así que continúe solo si le parece bien que otras personas "
              "lo escuchen. ¿Seguimos?"},
    "private_later": {
        "en": "No problem. You can reach us at {callback} whenever you can talk privately. Goodbye.",
        "es": "No hay problema. Puede llamarnos al {callback} cuando pueda hablar en privado. Adiós."},
    "recording": {
        "en": "Yes, this call is recorded for quality and compliance purposes.",
        "es": "Sí, esta llamada se graba con fines de calidad y cumplimiento."},
    "number_source": {
        "en": "This number is in {bank}'s records.",
        "es": "Este número está en los registros de {bank}."},
    "number_source_verified": {
        "en": "This is the number {bank} has on file for your account.",
        "es": "Este es el número que {bank} tiene registrado para su cuenta."},
    "presence": {"en": "Yes, I'm here.", "es": "Sí, aquí estoy."},
    "leaving": {"en": "No problem. You can reach us at {callback} whenever you're ready. Goodbye.",
                "es": "No hay problema. Puede llamarnos al {callback} cuando guste. Adiós."},
    "hold": {"en": "Of course, take your time.", "es": "Claro, tómese su tiempo."},
    "repeat": {"en": "Sure.", "es": "Claro."},
    "callback_number": {"en": "You can reach us at {callback}.", "es": "Puede llamarnos al {callback}."},
    "instructions": {
        "en": "I'm not able to change anything on record, or how I work, on this call.",
        "es": "No puedo cambiar nada de lo registrado, ni mi forma de trabajar, en esta llamada."},
    "inconvenient_noted": {
        "en": "Understood. I've noted {what}.",
        "es": "Entendido. Lo anoté: {what}."},
    "third_party_when": {
        "en": "No problem. Is there a better time to reach {first}?",
        "es": "No hay problema. ¿A qué hora sería mejor comunicarnos con {first}?"},
    "goodbye": {"en": "Goodbye.", "es": "Adiós."},
    "closing": {"en": "Thank you for your time. Goodbye.", "es": "Gracias por su tiempo. Adiós."},
    "stopped_anything_else": {
        "en": "I understand. Nothing more will be asked of you on this call. Goodbye.",
        "es": "Entiendo. No se le pedirá nada más en esta llamada. Adiós."},
    "abuse": {
        "en": "I can hear this is frustrating, and I'm sorry. I'm here to help, but if you'd rather not talk now, "
              "I can end the call and we can speak another time. Would you like to continue?",
        "es": "Entiendo que esto es frustrante, y lo siento. Estoy aquí para ayudarle, pero si prefiere no hablar "
              "ahora, puedo terminar la llamada y hablamos en otro momento. ¿Quiere continuar?"},
    "abuse_end": {
        "en": "Understood. I'll end the call now. Take care. Goodbye.",
        "es": "Entendido. Terminaré la llamada ahora. Cuídese. Adiós."},
    "spanish_offer": {
        "es": "Con gusto le atiendo en español. Tenemos personal que habla español: ¿prefiere que le comunique "
              "ahora con un agente que habla español, o que le llamemos en otro momento?"},
    "spanish_offer_no_line": {
        "es": "Con gusto le atiendo en español. Haré que una persona que habla español le llame. ¿A qué hora le "
              "conviene que le llamemos?"},
    "spanish_transfer": {"es": "Le comunico con un agente que habla español. Por favor, no cuelgue."},
    "spanish_callback_noted": {
        "es": "De acuerdo. Anoté que prefiere español, y le llamaremos en otro momento en español. Adiós."},
    "spanish_callback_booked": {
        "es": "Listo. Le llamaremos {when}, en español. Adiós."},
    "other_language": {
        "en": "I'm sorry, I can only speak English and Spanish. I've noted your language, and we'll arrange for "
              "someone who speaks it to call you back. Goodbye.",
        "es": "Lo siento, solo hablo inglés y español. Anoté su idioma, y alguien que lo hable le llamará. Adiós."},
}

# Spanish wording of the fixed disclosures (the English text is the policy file's). Translation for counsel's
# sign-off together with the English version.
SPANISH_DISCLOSURES: dict[str, str] = {
    "ai_identification": "Hola, le habla {agent}, un agente automatizado de inteligencia artificial que llama de "
                         "parte de {bank}. Puede comunicarse con nosotros al {callback} en cualquier momento.",
    "recording_notice": "Esta llamada se graba con fines de calidad y cumplimiento.",
    "mini_miranda_first": "Esta es una comunicación para cobrar una deuda y cualquier información que se obtenga "
                          "se utilizará con ese propósito.",
    "mini_miranda_subsequent": "Le recordamos que esta llamada es de un cobrador de deudas.",
    "third_party_location": "Le habla {agent}, un agente automatizado. Estoy confirmando información de ubicación "
                            "de la persona que busco, y no volveré a comunicarme con usted. Gracias por su ayuda.",
}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.?!])\s+", text.strip()) if s]


def line(key: str, language: str, **values: Any) -> str:
    texts = LINES[key]
    return texts.get(language, texts.get("en", next(iter(texts.values())))).format(**values)


# ---- reading the caller beyond intents ---------------------------------------------------------------------------
_WHO = re.compile(r"^\W*((sorry|excuse me|pardon|um+|uh+|hello)\W+)*who\W*$|"
                  r"\b(who (is|s) (this|calling|that|speaking)|whos (this|calling)|who are you|who am i (speaking|"
                  r"talking) (to|with)|why are you calling|what (is|s) this (about|regarding|call about|for)|whats this "
                  r"(about|regarding|for)|what do you want|what is it about|what company|which company|where are you "
                  r"calling from|who do you work for|quien habla|quien es|de parte de quien|de donde llama|por que llama)"
                  r"\b")
_ES_YES = re.compile(r"\b(si|claro|correcto|asi es|soy yo|por supuesto|de acuerdo|esta bien|bueno|ahora)\b")
_ES_NO = re.compile(r"\b(no|nunca|despues|luego|otro momento|otro dia)\b")
_ES_CONTINUE = re.compile(r"\b(con usted|sigamos|continuemos|seguir|continuar|aqui mismo|usted esta bien)\b")
_ES_HUMAN = re.compile(r"\b(agente|persona|ahora|comunique|transfiera|hablar con alguien)\b")


_ENGLISH_WORDS = frozenset("yes yeah the is my this and zip what who you it me i am im thats its speaking hello hi okay "
                           "ok sure no not can do please thanks thank".split())


def _looks_english(text: str) -> bool:
    words = normalize(text).split()
    return sum(w in _ENGLISH_WORDS for w in words) >= 2


# COMPLIANCE §2a: a servicemember on active duty (SCRA protections may apply; counsel decides the policy).
_SERVICEMEMBER = re.compile(r"\b(active duty|deployed|on deployment|(in|serving in) the (army|navy|air force|marines?|"
                            r"coast guard|military|national guard|reserves?)|(i am|im) (a )?(soldier|marine|sailor|"
                            r"airman|servicemember|service member)|scra|military orders)\b")


def is_servicemember(text: str) -> bool:
    return bool(_SERVICEMEMBER.search(normalize(text)))


def asks_who_is_calling(text: str) -> bool:
    """'Who is this?', 'Why are you calling?', '¿Quién habla?': asked before the person is verified."""
    return bool(_WHO.search(normalize(text)))


def is_yes(text: str, language: str) -> bool:
    if language == "es":
        norm = normalize(text)
        return bool(_ES_YES.search(norm)) and not re.match(r"\s*no\b", norm)
    return lang.is_yes(text)


class Flows:
    """The scripted flows of one call. Holds only flow state (what a fixed line last asked, the call's language,
    whether collection has stopped); speaks and acts through the engine."""

    def __init__(self, engine: Engine) -> None:
        self.e = engine
        self.awaiting: str | None = None
        customer = engine.customer
        preferred = customer.preferred_language if customer is not None else None
        self.language: str = preferred if preferred in SUPPORTED_LANGUAGES else "en"
        self.collection_stopped = False
        self.spanish_offered = False
        self.llm_told_language = False
        self.llm_continues = False                  # the llm brain converses in Spanish once the caller chooses it
        self._abuse_count = 0
        self.proposed_time: str | None = None       # a callback time the agent offered, awaiting agreement

    # ---- helpers ----------------------------------------------------------------------------------------------
    def _line(self, key: str, **values: Any) -> list[EngineEvent]:
        e = self.e
        from shared.compliance.disclosures import spoken_number

        defaults = {"agent": e.settings.agent_name, "bank": e.settings.bank_name,
                    "callback": spoken_number(e.settings.callback_number),
                    "first": e.customer.first_name if e.customer else "them",
                    "name": e.customer.full_name if e.customer else "the account holder"}
        return e.say(line(key, self.language, **{**defaults, **values}), fixed=True)

    def _stop_collecting(self) -> None:
        self.collection_stopped = True

    def disclosure_text(self, kind: cp.Disclosure) -> str | None:
        """The Spanish wording of a fixed disclosure when the call is in Spanish (None: use the policy text)."""
        if self.language != "es" or kind.value not in SPANISH_DISCLOSURES:
            return None
        from shared.compliance.disclosures import spoken_number

        s = self.e.settings
        return SPANISH_DISCLOSURES[kind.value].format(agent=s.agent_name, bank=s.bank_name,
                                                      callback=spoken_number(s.callback_number))

    # ---- the caller's turn ------------------------------------------------------------------------------------
    async def handle(self, text: str, matches: list[cp.IntentMatch]) -> AsyncIterator[EngineEvent]:
        """Everything scripted about one caller turn; the brain runs only when nothing here claims it."""
        e = self.e
        found = {m.intent: m for m in matches}
        handled = False
        if self.language != "en" and Intent.OTHER_LANGUAGE not in found and _looks_english(text):
            self.language = "en"                    # a customer on file as Spanish-speaking answers in English
            self.awaiting = None if self.awaiting == "spanish_choice" else self.awaiting
            if e.customer is not None and e.customer.preferred_language:
                customer_id = e.customer.id
                e.persist.submit("preferred language en", lambda conn: customers.set_preferred_language(
                    conn, customer_id, "en"))
            yield ComplianceNotice("language", {"language": "en"})
        async for ev in self._safety_and_legal(found, text):
            handled = handled or not isinstance(ev, ComplianceNotice)
            yield ev
        if handled or e.state.ended:
            return
        if e.state.verified and not self.collection_stopped and is_servicemember(text):
            async for ev in self._servicemember(text):
                yield ev
            return
        if self.awaiting != "handoff":
            async for ev in self._situations(text, found):
                handled = handled or not isinstance(ev, ComplianceNotice)
                yield ev
            if handled or e.state.ended:
                return
        if self.awaiting is not None:
            async for ev in self._followup(text, found):
                yield ev
            return
        async for ev in self._other_intents(found, text):
            handled = handled or not isinstance(ev, ComplianceNotice)
            yield ev
        if handled or e.state.ended:
            return
        if self.collection_stopped:
            for ev in self._line("stopped_anything_else"):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": "collection_stopped"}):
                yield ev
            return
        if not e.state.verified and asks_who_is_calling(text) and e.customer is not None:
            if e.state.phase == "identify" and self._confirms_identity(text):
                e.state.right_party = True
                e.state.phase = "verify"
            if e.state.right_party:            # they said it is them: name the bank, then back to verification
                for ev in self._line("who_is_calling_verify"):
                    yield ev
                return
            for ev in self._line("who_is_calling"):
                yield ev
            return
        if self.language == "es" and not self.llm_continues:
            async for ev in self._spanish_rules(text):
                yield ev
            return
        if e.state.phase == "identify":
            async for ev in self.identify(text):
                yield ev
            return
        async for ev in e.brain_turn(text):
            yield ev

    # ---- safety and legal intents: first, whatever else is going on -------------------------------------------
    async def _safety_and_legal(self, found: dict[cp.Intent, cp.IntentMatch], text: str
                                ) -> AsyncIterator[EngineEvent]:
        e = self.e
        verified = e.state.verified
        if Intent.OTHER_LANGUAGE in found:
            code = found[Intent.OTHER_LANGUAGE].evidence
            await e.apply_intent(Intent.OTHER_LANGUAGE, normalize(text)[:80], {"language": code})
            if code in SUPPORTED_LANGUAGES and code != self.language:
                self.language = code
                yield ComplianceNotice("language", {"language": code})
        if Intent.EMERGENCY in found:
            self._stop_collecting()
            await e.apply_intent(Intent.EMERGENCY, found[Intent.EMERGENCY].evidence)
            for ev in self._line("emergency"):
                yield ev
            e.state.outcome = "emergency"
            if verified:        # not a conversation about the debt: the 7-day wait does not start
                e.persist.submit("emergency: no conversation", lambda conn: calls.update_call(
                    conn, e.call_id, conversation_at=None))
            async for ev in e.run_tool("end_call", {"reason": "emergency"}):
                yield ev
            return
        if Intent.DISTRESS in found:
            self._stop_collecting()
            await e.apply_intent(Intent.DISTRESS, found[Intent.DISTRESS].evidence)
            await self._cancel_arrangements("distress")
            e.state.outcome = "sensitive_hold"
            for ev in self._line("distress"):
                yield ev
            self.awaiting = "distress_human"
            return
        if not verified and not e.state.right_party:
            first = e.customer.first_name if e.customer is not None else None
            if sit.reports_death(text, first) and not self._names_self(text):
                async for ev in self._deceased(text):
                    yield ev
                return
            if sit.is_minor(text):
                async for ev in self._minor():
                    yield ev
                return
            if sit.claims_authority(text):
                async for ev in self._authority_claimed():
                    yield ev
                return
        if Intent.WRONG_PARTY in found and not verified:
            self._stop_collecting()
            async for ev in e.run_tool("record_wrong_party", {}):
                yield ev
            for ev in e.say("I'm sorry for the confusion. I'll update our records so this number isn't called "
                            "again. Goodbye." if self.language == "en" else
                            "Disculpe la confusión. Actualizaré nuestros registros para no llamar más a este "
                            "número. Adiós."):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": "wrong_party"}):
                yield ev
            return
        if Intent.THIRD_PARTY in found and not verified and not e.state.third_party:   # once: then the reach time
            self._stop_collecting()
            e.state.third_party = True
            await e.apply_intent(Intent.THIRD_PARTY, found[Intent.THIRD_PARTY].evidence)
            self._note_servicemember_reported(text)
            for ev in self._line("third_party_when"):
                yield ev
            self.awaiting = "third_party_when"
            return
        if Intent.BANKRUPTCY in found:
            self._stop_collecting()
            async for ev in e.run_tool("record_bankruptcy", {}):
                yield ev
            for ev in e.say("Thank you for letting me know. I've noted the bankruptcy, and we will stop "
                            "collection activity on this account." if verified else
                            "Thank you for letting me know. I've made a note of it, and nothing more will be "
                            "asked of you on this call."):
                yield ev
            async for ev in e.to_human("bankruptcy reported", "I'll transfer you to a specialist now."):
                yield ev
            return
        if Intent.ATTORNEY in found:
            self._stop_collecting()
            async for ev in e.run_tool("record_attorney", {}):
                yield ev
            for ev in e.say("Thank you. I've noted that an attorney represents you, and we'll direct further "
                            "communication to them. Goodbye."):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": "attorney"}):
                yield ev
            return
        if Intent.STOP_CALLING in found:
            self._stop_collecting()
            async for ev in e.run_tool("record_cease_request", {}):
                yield ev
            for ev in e.say("I understand. I've recorded your request, and we will not call you again. Goodbye."
                            if self.language == "en" else
                            "Entiendo. Registré su solicitud, y no le volveremos a llamar. Adiós."):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": "cease_request"}):
                yield ev
            return
        if Intent.FRAUD in found:
            self._stop_collecting()
            async for ev in e.run_tool("record_dispute", {"details": normalize(text)[:200], "kind": "fraud"}):
                yield ev
            await self._cancel_arrangements("fraud")
            for ev in self._line("fraud_verified" if verified else "fraud_unverified"):
                yield ev
            self.awaiting = "dispute_transfer"
            return
        if Intent.VALIDATION_REQUEST in found:
            self._stop_collecting()
            async for ev in e.run_tool("record_dispute", {"details": normalize(text)[:200], "kind": "validation"}):
                yield ev
            await self._cancel_arrangements("validation requested")
            key = "validation_email" if re.search(r"\be ?mail\b", normalize(text)) else "validation"
            for ev in self._line(f"{key}_verified" if verified else f"{key}_unverified"):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": "validation_requested"}):
                yield ev
            return
        if Intent.ALREADY_PAID in found and (verified or e.state.right_party):
            self._stop_collecting()
            async for ev in e.run_tool("record_dispute", {"details": normalize(text)[:200], "kind": "already_paid"}):
                yield ev
            claimed = re.search(r"\b(plan|arrangement|agreement)\b", found[Intent.ALREADY_PAID].evidence)
            if claimed:
                e.record_event("action", "arrangement_claimed", {"said": mask_text(normalize(text))[:80]})
            for ev in self._line("arrangement_claimed" if claimed else "already_paid"):
                yield ev
            self.awaiting = "closing"
            return
        if (Intent.DISPUTE in found or Intent.WRONG_PARTY in found) and verified:
            self._stop_collecting()
            async for ev in e.run_tool("record_dispute", {"details": normalize(text)[:200]}):
                yield ev
            for ev in e.say("I understand. I've recorded your dispute, and we won't ask for payment on it while it's "
                            "reviewed. Would you like me to transfer you to a specialist?"):
                yield ev
            self.awaiting = "dispute_transfer"
            return
        if Intent.OTHER_LANGUAGE in found and found[Intent.OTHER_LANGUAGE].evidence not in SUPPORTED_LANGUAGES:
            for ev in self._line("other_language"):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": "language"}):
                yield ev

    async def _servicemember(self, text: str) -> AsyncIterator[EngineEvent]:
        """Record it, stop pressing for payment, offer a person (COMPLIANCE §2a)."""
        e = self.e
        self._stop_collecting()
        family = sit.servicemember_family(text)
        e.record_event("action", "servicemember_active_duty", {"said": mask_text(normalize(text))[:80],
                                                                "family": family})
        lead = ("Thank you for telling me. Protections may apply to military families, so I won't ask you for a "
                "payment today." if family else
                "Thank you for your service, and for telling me. Protections for servicemembers may apply to your "
                "account, so I won't ask you for a payment today.")
        for ev in e.say(f"{lead} Would you like me to connect you with a specialist who can go over them with you?"):
            yield ev
        self.awaiting = "servicemember_transfer"

    # ---- off-script situations (shared.agent.situations) ------------------------------------------------------
    async def _situations(self, text: str, found: dict[cp.Intent, cp.IntentMatch]) -> AsyncIterator[EngineEvent]:
        """Answer what the caller asked or told about the call itself, then go back to where the call was."""
        e = self.e
        verified = e.state.verified
        if sit.threatens_violence(text):
            async for ev in self._threat(text):
                yield ev
            return
        if verified and sit.hands_phone_over(text):
            e.record_event("action", "handoff_refused", {})
            for ev in self._line("handoff"):
                yield ev
            self.awaiting = "handoff"
            return
        if verified and sit.others_listening(text):
            e.record_event("action", "others_listening", {})
            for ev in self._line("others_listening"):
                yield ev
            self.awaiting = "speaker_consent"
            return
        if verified and sit.other_speaker(text) and Intent.THIRD_PARTY in found:
            async for ev in self._end_with_other_speaker():
                yield ev
            return
        pref = sit.inconvenient_time(text)
        if pref is not None and e.customer is not None and not e.state.third_party:   # only the customer's own word
            question = self._open_question()
            await self._record_inconvenient(pref)
            for ev in self._line("inconvenient_noted", what=pref.spoken):
                yield ev
            if e.state.phase == "identify":
                async for ev in self.identify(text):
                    yield ev
                return
            for ev in e.say(question):
                yield ev
            return
        key = None
        if sit.asks_about_recording(text):
            key = "recording"
            e.record_event("action", "recording_question", {})
        elif sit.asks_number_source(text):
            key = "number_source_verified" if verified else "number_source"
            e.record_event("action", "number_source_question", {})
        elif sit.checks_presence(text):
            key = "presence"
        elif sit.asks_callback_number(text):
            key = "callback_number"
        elif sit.asks_to_hold(text):
            for ev in self._line("hold"):           # nothing asked: the caller is busy for a moment
                yield ev
            return
        elif sit.asks_to_repeat(text):
            again = self._last_turn_again()
            for ev in self._line("repeat"):
                yield ev
            for ev in e.say(again):
                yield ev
            return
        elif sit.speaks_instructions(text) and not found:
            # Only words that ask for nothing else: "forget your script and put me through to a person" is a
            # request for a person (the intents handle it), not an attack to brush off.
            key = "instructions"
            e.record_event("action", "instruction_injection", {"said": mask_text(normalize(text))[:80]})
        if key is None:
            return
        question = self._open_question()
        for ev in self._line(key):
            yield ev
        for ev in e.say(question):
            yield ev

    def _open_question(self) -> str:
        """The question the agent last asked (said again after an aside), else the phase's own question."""
        lines = [line for line in self.e.state.last_lines if line != "Are you still there?"]
        if lines and lines[-1].endswith("?"):
            return lines[-1]
        return self.e.reprompt()

    def _last_turn_again(self) -> str:
        """The agent's last turn, for a caller who did not catch it (the fixed disclosures in it are not replayed)."""
        e = self.e
        last = next((text for speaker, text, _ in reversed(e.transcript) if speaker == "agent"), "")
        fixed: set[str] = set()
        for value in e.state.disclosures:
            kind = cp.Disclosure(value)
            text = self.disclosure_text(kind) or cp.disclosure_text(
                kind, bank_name=e.settings.bank_name, agent_name=e.settings.agent_name,
                callback_number=e.settings.callback_number)
            fixed.update(_sentences(text))
        kept = [sentence for sentence in _sentences(last) if sentence not in fixed]
        return " ".join(kept) or self._open_question()

    def _names_self(self, text: str) -> bool:
        """'Yes, this is Maria; my husband died': the speaker says they are the customer."""
        e = self.e
        first = re.escape(e.customer.first_name.lower()) if e.customer else r"(?!x)x"
        return bool(re.search(rf"\b(this is {first}|(im|i am) {first}|speaking|(its|it is|thats) me)\b",
                              normalize(text)))

    async def _deceased(self, text: str) -> AsyncIterator[EngineEvent]:
        """The person asked for has died: condolences, how the estate reaches the bank, nothing about the account,
        no questions; the account is held for a person to review (no further collection calls)."""
        e = self.e
        self._stop_collecting()
        e.state.third_party = True
        e.record_event("action", "deceased_reported", {"said": mask_text(normalize(text))[:80]})
        if e.customer is None:
            # An inbound caller about someone who has died, account not yet known: an estate specialist takes it.
            if e.settings.human_transfer_number:
                async for ev in e.to_human("estate: the account holder has died",
                                           line("deceased_inbound", self.language)):
                    yield ev
                return
            for ev in self._line("deceased_inbound_no_line"):
                yield ev
            e.finish("completed_no_arrangement", "deceased")
            return
        customer_id = e.customer.id
        e.persist.submit("deceased: sensitive hold", lambda conn: customers.set_sensitive_hold(
            conn, customer_id, "deceased_reported"))
        for ev in self._line("deceased"):
            yield ev
        e.finish("completed_no_arrangement", "deceased")

    async def _threat(self, text: str) -> AsyncIterator[EngineEvent]:
        """A threat of violence: no argument and no collection; the call ends and the account goes to a person."""
        e = self.e
        self._stop_collecting()
        e.record_event("action", "caller_threat", {"said": mask_text(normalize(text))[:80]})
        if e.customer is not None:
            customer_id = e.customer.id
            e.persist.submit("threat: sensitive hold", lambda conn: customers.set_sensitive_hold(
                conn, customer_id, "caller_threat"))
        for ev in self._line("threat"):
            yield ev
        e.finish("completed_no_arrangement", "caller_threat")

    async def _authority_claimed(self) -> AsyncIterator[EngineEvent]:
        """A power of attorney or guardian: nothing said or asked here; the documents are for a person to confirm."""
        e = self.e
        self._stop_collecting()
        e.state.third_party = True
        e.record_event("action", "authority_claimed", {})
        for ev in self._line("authority"):
            yield ev
        e.finish("completed_no_arrangement", "authority_claimed")

    async def _minor(self) -> AsyncIterator[EngineEvent]:
        """A child on the line: nothing asked of them (not even when to call), nothing said, a short goodbye."""
        e = self.e
        self._stop_collecting()
        e.state.third_party = True
        e.record_event("action", "minor_answered", {})
        for ev in self._line("minor" if e.customer is not None else "minor_inbound"):
            yield ev
        e.finish("completed_no_arrangement", "minor")

    async def _end_with_other_speaker(self) -> AsyncIterator[EngineEvent]:
        """Someone other than the verified customer now speaks: nothing more is said about the account."""
        e = self.e
        self._stop_collecting()
        e.record_event("action", "other_speaker_closed", {})
        for ev in self._line("handoff_close"):
            yield ev
        e.finish("completed_no_arrangement", "other_speaker")

    def _note_servicemember_reported(self, text: str) -> None:
        """A third party says the customer is deployed: noted for the team (SCRA), nothing said back about it."""
        if is_servicemember(text):
            self.e.record_event("action", "servicemember_reported", {})

    async def _record_inconvenient(self, pref: sit.Inconvenient) -> None:
        e = self.e
        assert e.customer is not None
        customer_id, windows = e.customer.id, list(pref.windows)
        e.record_event("action", "inconvenient_time_recorded", {"windows": windows, "place": pref.place})
        # Written now, not behind: a callback booked later in this call is checked against them (the gate reads the
        # customer's record).
        await e.write_now("inconvenient times", lambda conn: customers.add_inconvenient_times(
            conn, customer_id, windows))

    async def _cancel_arrangements(self, why: str) -> None:
        """No payment is taken in a call where fraud, distress or a validation request came up: an arrangement
        recorded earlier in this call is cancelled."""
        e = self.e
        if e.customer is None or e.state.arrangement is None:
            return
        customer_id, call_id = e.customer.id, e.call_id

        async def cancel(conn: Any) -> None:
            for row in await arrangements.list_for_customer(conn, customer_id):
                if row.call_id == call_id and row.status in ("pending", "link_sent"):
                    await arrangements.set_status(conn, row.id, "cancelled")
        e.persist.submit(f"cancel arrangement ({why})", cancel)
        e.state.arrangement = None
        e.notices.append(ComplianceNotice("arrangement_cancelled", {"reason": why}))

    # ---- follow-ups to a fixed question -----------------------------------------------------------------------
    async def _followup(self, text: str, found: dict[cp.Intent, cp.IntentMatch]) -> AsyncIterator[EngineEvent]:
        e = self.e
        awaiting, self.awaiting = self.awaiting, None
        wants_human = is_yes(text, self.language) or cp.Intent.HUMAN_REQUEST in found or (
            self.language == "es" and bool(_ES_HUMAN.search(normalize(text))))
        if awaiting == "distress_human":
            if wants_human and e.settings.human_transfer_number:
                async for ev in e.to_human("caller in distress: sensitive handling",
                                           line("distress_transfer", self.language)):
                    yield ev
                return
            for ev in self._line("distress_close" if e.settings.human_transfer_number else "distress_no_line"):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": "distress"}):
                yield ev
        elif awaiting == "servicemember_transfer":
            if wants_human:
                async for ev in e.to_human("servicemember on active duty",
                                           "Of course. I'm connecting you with a specialist now."):
                    yield ev
                return
            for ev in e.say("Of course. A specialist will be in touch about those protections. Thank you, and "
                            "goodbye."):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": "servicemember"}):
                yield ev
        elif awaiting == "dispute_transfer":
            if wants_human:
                async for ev in e.to_human("debt disputed", "I'll transfer you to a specialist now."
                                           if self.language == "en" else "Le transfiero con un especialista."):
                    yield ev
                return
            for ev in e.say("Thank you. You'll hear from us once the review is complete. Goodbye."
                            if self.language == "en" else "Gracias. Sabrá de nosotros cuando termine la revisión. "
                                                          "Adiós."):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": "disputed"}):
                yield ev
        elif awaiting == "speaker_consent":
            if is_yes(text, self.language) and not lang.is_no(text):
                e.record_event("action", "others_listening_consented", {})
                for ev in e.say(f"Thank you. {e.reprompt()}"):
                    yield ev
                return
            for ev in self._line("private_later"):
                yield ev
            e.finish("completed_no_arrangement", "others_listening")
        elif awaiting in ("handoff", "handoff_check"):
            # Whoever speaks now: another person is let go; a bare greeting is asked who it is; the customer's own
            # words ("no, I'll do it, pay in full") are answered.
            first = e.customer.first_name if e.customer else ""
            if sit.other_speaker(text) or Intent.THIRD_PARTY in found or (
                    awaiting == "handoff_check" and not self._confirms_identity(text)):
                async for ev in self._end_with_other_speaker():
                    yield ev
                return
            if re.fullmatch(r"((hi|hello|hey|hiya|yes|yeah|um|uh)\s*)+(there|this is \w+)?", normalize(text)) and \
                    not self._confirms_identity(text.replace("yes", "").replace("yeah", "")):
                self.awaiting = "handoff_check"
                for ev in e.say(f"Hello. Am I still speaking with {first}?"):
                    yield ev
                return
            if re.search(r"\b(im back|its me|me again|go on|go ahead)\b", normalize(text)) or (
                    self._confirms_identity(text) and not lang.offered_amount(text) and not lang.wants_full(text)
                    and not lang.wants_plan(text) and lang.payment_method(text) is None):
                for ev in e.say(f"Thank you, {first}. {e.reprompt()}"):
                    yield ev
                return
            async for ev in e.brain_turn(text):
                yield ev
        elif awaiting == "third_party_when":
            e.record_event("action", "third_party_reach_time", {"said": mask_text(normalize_numbers(text))[:80]})
            for ev in e.disclose(cp.Disclosure.THIRD_PARTY_LOCATION):
                yield ev
            for ev in self._line("goodbye"):
                yield ev
            e.finish("completed_no_arrangement", "third_party")
        elif awaiting == "abuse":
            if lang.is_no(text) or lang.is_done(text) or cp.Intent.ABUSE in found:
                for ev in self._line("abuse_end"):
                    yield ev
                async for ev in e.run_tool("end_call", {"reason": "caller_ended"}):
                    yield ev
                return
            if e.state.phase == "identify" and (self._confirms_identity(text) or lang.is_third_party(text)):
                async for ev in self.identify(text):
                    yield ev
                return
            if not e.state.verified and any(ch.isdigit() for ch in normalize_numbers(text)):
                async for ev in e.brain_turn(text):
                    yield ev
                return
            for ev in e.say(e.reprompt()):
                yield ev
        elif awaiting == "inbound_name":
            args = {**e.last_verify_args, "full_name": text[:120]}
            e.last_verify_args = {}
            async for ev in e.brain_turn(None, preset=[("verify_account", args)]):
                yield ev
        elif awaiting == "callback_when":
            async for ev in self._callback_before_verification(text, ask_when=False):
                yield ev
        elif awaiting == "callback_confirm":
            proposed, self.proposed_time = self.proposed_time, None
            if proposed and is_yes(text, self.language):
                async for ev in self._callback_before_verification(proposed, ask_when=False):
                    yield ev
                return
            async for ev in self._callback_before_verification(text, ask_when=False, last_try=True):
                yield ev
        elif awaiting == "spanish_choice":
            async for ev in self._spanish_choice(text):
                yield ev
        else:                                           # 'closing' and anything else: end politely
            for ev in self._line("closing"):
                yield ev
            async for ev in e.run_tool("end_call", {"reason": awaiting or "completed"}):
                yield ev

    # ---- the remaining intents --------------------------------------------------------------------------------
    async def _other_intents(self, found: dict[cp.Intent, cp.IntentMatch], text: str) -> AsyncIterator[EngineEvent]:
        e = self.e
        if Intent.ABUSE in found:
            await e.apply_intent(Intent.ABUSE, found[Intent.ABUSE].evidence)
            self._abuse_count += 1
            if self._abuse_count >= 2:
                for ev in self._line("abuse_end"):
                    yield ev
                async for ev in e.run_tool("end_call", {"reason": "caller_ended"}):
                    yield ev
                return
            for ev in self._line("abuse"):
                yield ev
            self.awaiting = "abuse"
        elif Intent.HUMAN_REQUEST in found:
            await e.apply_intent(Intent.HUMAN_REQUEST, found[Intent.HUMAN_REQUEST].evidence)
            async for ev in e.to_human("caller asked for a person",
                                       "Of course. I'm transferring you to a member of our team now."):
                yield ev
        elif Intent.ROBOT_QUESTION in found:
            await e.apply_intent(Intent.ROBOT_QUESTION, found[Intent.ROBOT_QUESTION].evidence)
            answer = (f"Yes, I'm an automated AI assistant calling on behalf of {e.settings.bank_name}. I can "
                      "transfer you to a person if you prefer.") if self.language == "en" else (
                f"Sí, soy un asistente automatizado de inteligencia artificial que llama de parte de "
                f"{e.settings.bank_name}. Puedo comunicarle con una persona si lo prefiere.")
            for ev in e.say(answer):
                yield ev
            for ev in e.say(e.reprompt()):
                yield ev
        elif Intent.CALLBACK_REQUEST in found and not e.state.verified and e.customer is not None:
            await e.apply_intent(Intent.CALLBACK_REQUEST, found[Intent.CALLBACK_REQUEST].evidence)
            async for ev in self._callback_before_verification(text, ask_when=True):
                yield ev
        elif Intent.HARDSHIP in found and e.state.verified and not e.state.hardship:
            e.state.hardship = True
            await e.apply_intent(Intent.HARDSHIP, found[Intent.HARDSHIP].evidence)
            concrete = lang.months_in(text) is not None or lang.offered_amount(text) is not None or \
                lang.wants_full(text)
            # The empathetic options first, unless the caller already said what they can do (then that is answered).
            async for ev in e.brain_turn(text, preset=None if concrete else [("get_customer_options", {})]):
                yield ev

    def _tell_llm_spanish(self) -> None:
        if not self.llm_told_language:
            self.llm_told_language = True
            self.e.conversation.messages.append({"role": "system", "content": (
                "The caller speaks Spanish. From now on reply only in Spanish (español), short and plain, keeping "
                "every rule above; the system plays the fixed disclosures itself.")})

    # ---- a callback asked for before verification (the person on the customer's line is busy) -----------------
    async def _callback_before_verification(self, text: str, *, ask_when: bool, last_try: bool = False
                                            ) -> AsyncIterator[EngineEvent]:
        """Book the time they name (inside the permitted window) without discussing anything; offer the earliest
        allowed time when theirs is outside it, and book that only when they agree."""
        e = self.e
        text = re.sub(r"\b(right now|just now|now|at the moment|currently)\b", " ", text, flags=re.IGNORECASE)
        try:
            parse_when(text, e.clock())
        except UnparsableTime:
            if ask_when:
                for ev in e.say("No problem. When would be a better time to call you back?"
                                if self.language == "en" else "No hay problema. ¿A qué hora le conviene que le "
                                                              "llamemos?"):
                    yield ev
                self.awaiting = "callback_when"
                return
            for ev in e.say("No problem, we'll try you another time. Goodbye." if self.language == "en" else
                            "No hay problema, le llamaremos en otro momento. Adiós."):
                yield ev
            e.finish("completed_no_arrangement", "callback_unspecified")
            return
        outcome: Any = None
        async for ev in e.run_tool("schedule_callback", {"when": text, "reason": "asked for a call back"},
                                   before_verification=True):
            outcome = ev
            yield ev
        result = getattr(outcome, "result", {}) or {}
        if result.get("scheduled"):
            for ev in e.say(f"No problem. I'll call you back {result['spoken']}. Goodbye." if self.language == "en"
                            else f"De acuerdo. Le llamaremos {result['spoken']}. Adiós."):
                yield ev
            e.finish("callback_scheduled", "callback_requested")
            return
        proposed = result.get("nearest_allowed_spoken")
        if proposed and not last_try:
            self.proposed_time = str(proposed)
            self.awaiting = "callback_confirm"
            for ev in e.say(f"I'm not able to call then. The earliest I can call is {proposed}. Would that work?"
                            if self.language == "en" else
                            f"No puedo llamar a esa hora. Lo más pronto posible es {proposed}. ¿Le parece bien?"):
                yield ev
            return
        for ev in e.say("No problem, we'll try you another time. Goodbye." if self.language == "en" else
                        "No hay problema, le llamaremos en otro momento. Adiós."):
            yield ev
        e.finish("completed_no_arrangement", "callback_unspecified")

    # ---- right-party identification (fixed flow) ----------------------------------------------------------------
    async def identify(self, text: str) -> AsyncIterator[EngineEvent]:
        e = self.e
        low = normalize(text)
        if re.search(r"\b(bye|goodbye|good bye|hanging up)\b", low) and not any(ch.isdigit() for ch in low):
            for ev in self._line("leaving"):            # a caller who wants to go is let go, before anything is said
                yield ev
            e.finish("completed_no_arrangement", "caller_left")
            return
        if lang.is_third_party(text) or (lang.is_no(text) and not lang.is_yes(text) and self.language == "en"):
            self._stop_collecting()
            e.state.third_party = True
            await e.apply_intent(cp.Intent.THIRD_PARTY, low[:80])
            self._note_servicemember_reported(text)
            for ev in self._line("third_party_when"):
                yield ev
            self.awaiting = "third_party_when"
            return
        # Someone who gives the account's verification details is claiming to be the account holder.
        digits = sum(ch.isdigit() for ch in normalize_numbers(text)) >= 4
        if self._confirms_identity(text) or digits:
            e.state.right_party = True
            e.state.phase = "verify"
            if any(ch.isdigit() for ch in normalize_numbers(text)):
                async for ev in e.brain_turn(text):
                    yield ev
                return
            ask = ("Thank you. To protect your privacy, please tell me the last four digits of your account number "
                   "and your ZIP or postal code." if self.language == "en" else
                   "Gracias. Para proteger su privacidad, dígame los últimos cuatro dígitos de su número de cuenta y "
                   "su código postal.")
            for ev in e.say(ask):
                yield ev
            return
        e.identify_misses += 1
        if e.identify_misses >= 2:
            for ev in e.say("I'm sorry for the trouble. We'll try another time. Goodbye."):
                yield ev
            e.finish("completed_no_arrangement", "identity_unconfirmed")
            return
        name = e.customer.full_name if e.customer else "the account holder"
        for ev in e.say(f"Sorry, am I speaking with {name}?" if self.language == "en" else
                        f"Disculpe, ¿hablo con {name}?"):
            yield ev

    def _confirms_identity(self, text: str) -> bool:
        """'Yes', 'speaking', 'this is Aisha', 'yeah it's me': the person answering says they are the customer."""
        e = self.e
        low = normalize(text)
        named = e.customer is not None and re.search(rf"\b{re.escape(e.customer.first_name.lower())}\b", low)
        return bool(is_yes(text, self.language) or named or
                    re.search(r"\b(speaking|this is (she|he|me)|(it|its|thats) me|yes (it|its) me|you got (her|him|me)|"
                              r"soy yo)\b", low))

    # ---- Spanish with the rules brain: a Spanish-speaking human, or a callback in Spanish ---------------------
    async def _spanish_rules(self, text: str) -> AsyncIterator[EngineEvent]:
        if self.spanish_offered:
            async for ev in self._spanish_choice(text):
                yield ev
            return
        self.spanish_offered = True
        key = "spanish_offer" if self.e.settings.human_transfer_number else "spanish_offer_no_line"
        for ev in self._line(key):
            yield ev
        self.awaiting = "spanish_choice"

    async def _spanish_choice(self, text: str) -> AsyncIterator[EngineEvent]:
        e = self.e
        norm = normalize(text)
        if e.brain is not e.rules and _ES_CONTINUE.search(norm):
            self.llm_continues = True               # the llm brain can hold the conversation in Spanish
            self._tell_llm_spanish()
            if e.state.phase == "identify":
                async for ev in self.identify(text):
                    yield ev
                return
            async for ev in e.brain_turn(text):
                yield ev
            return
        if e.settings.human_transfer_number and (_ES_HUMAN.search(norm) or (_ES_YES.search(norm) and "llam" not in
                                                                            norm)):
            async for ev in e.to_human("Spanish-speaking agent requested", line("spanish_transfer", "es")):
                yield ev
            return
        if e.state.verified:
            outcome = None
            async for ev in e.run_tool("schedule_callback", {"when": text, "reason": "Spanish-speaking agent"}):
                outcome = ev
                yield ev
            result = getattr(outcome, "result", {}) or {}
            if result.get("scheduled"):
                for ev in self._line("spanish_callback_booked", when=result.get("spoken", "")):
                    yield ev
                e.finish("callback_scheduled", "callback_spanish")
                return
        for ev in self._line("spanish_callback_noted"):
            yield ev
        async for ev in e.run_tool("end_call", {"reason": "language_callback"}):
            yield ev
