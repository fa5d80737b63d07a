"""Twilio: outbound dialing behind the pre-dial gate, live-call control (transfer, hang-up), SMS, TwiML."""
