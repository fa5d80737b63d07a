"""Collections compliance (COMPLIANCE.md): pre-dial gate, disclosures, output guard, caller intents, records.

Import the modules directly (shared.compliance.guard, .intents, .disclosures, .predial, .rules, .retention).
"""
