"""The local documentation assistant (issue 18 part 2): progress-note drafts that cite their sources.

- `sources`: the inputs of a draft, each with a key: the therapist's bullets (b1, b2, ...) and the
  structured facts since the last session (f1, f2, ...: attendance, homework done or missed,
  check-in moods, measure scores and changes, open alerts), each naming the record it came from.
- `layout`: which section of the chosen format (SOAP, DAP, BIRP, free text or a practice
  template) each kind of source belongs in.
- `backends`: the pluggable drafters. `structured` (the embedded default) places every bullet
  and fact in its section as a clinical sentence and writes nothing else; `openai` asks any
  OpenAI-compatible chat-completions server (llama.cpp server, Ollama, vLLM) for JSON sentences
  with sources. Chosen by ALLIANCE_DRAFTING_BACKEND.
- `faithfulness`: every sentence's facts (numbers, dates, instrument names, names, negations,
  clinical-finding words) must appear in the sources it cites.
- `run`: the domain functions the Celery task and the note services call (generate a draft,
  settle drafts when the note is signed).
- `evaluation`: the evaluation set (eval/*.json) and its figures (`manage.py evaluate_drafter`).

Psychotherapy notes are never an input or an output here.
"""
