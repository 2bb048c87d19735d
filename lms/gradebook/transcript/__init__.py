"""The national digital transcript (học bạ số, issue #25). What each file decides:

- record.py — a pupil's year as a record of the Ministry's data model; the identity check that
  stops signing (identity_problems) and what is only left empty (identity_gaps);
- codes.py — the Ministry's code lists and our stand-ins (LMS_MOET_CODES_FILE replaces them);
- assembly.py — where a record's data come from (loads, decides nothing);
- workflow.py — the states drafted → … → issued, corrections as versions, the access log;
- identity.py — fixing personal ID numbers and record codes for a class;
- exports.py, schemas/ — JSON and XML documents and our JSON Schema / XSD;
- pades.py, xades.py — the two-step signatures (prepare, sign the hash anywhere, finish);
- providers.py, sandbox.py, pki.py — where keys are (PKCS#12, VNPT SmartCA) and the local SmartCA
  imitation with its own CA; trust.py — trust roots, time-stamping, validation context;
- token.py — signing with a USB token (PKCS#11) at the school's signing computer: rounds fetched and
  signatures uploaded with a round code, each checked; token_client.py — the program that computer
  runs (stands alone: pyHanko's PKCS#11 signer);
- signing.py — a class's signing rounds, one confirmation per signer; verify.py — validation;
- school_setup.py — the school's codes, place of issue and signer accounts;
- sector.py — the sector database's Excel files filled from our data;
- views.py — the pages.
"""
