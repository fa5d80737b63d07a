"""Function and event names the orchestrators, the blueprint, the local driver and the starters agree on."""
from __future__ import annotations

CALLBACK_ORCHESTRATOR = "callback_orchestrator"
CAMPAIGN_ORCHESTRATOR = "campaign_orchestrator"
TARGET_ORCHESTRATOR = "campaign_target_orchestrator"

ACT_CALLBACK_GATE = "wf_callback_gate"
ACT_CALLBACK_DIAL = "wf_callback_dial"
ACT_CALLBACK_FINISH = "wf_callback_finish"
ACT_CAMPAIGN_LOAD = "wf_campaign_load"
ACT_CAMPAIGN_PAGE = "wf_campaign_page"
ACT_CAMPAIGN_STATUS = "wf_campaign_status"
ACT_TARGET_GATE = "wf_target_gate"
ACT_TARGET_DIAL = "wf_target_dial"
ACT_TARGET_RECORD = "wf_target_record"
RECORDING_ORCHESTRATOR = "recording_analysis_orchestrator"  # functions/workflows/recording_activities.py
ACT_RECORDING_ANALYZE = "wf_recording_analyze"

EVENT_CANCEL = "cancel"
EVENT_CONTROL = "control"  # payload: "pause" | "resume" | "cancel"
EVENT_CALL_OUTCOME = "call_outcome"  # payload: {"call_id", "status", "outcome"}
