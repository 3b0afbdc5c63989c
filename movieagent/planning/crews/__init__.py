"""The crews that answer the planning graph's questions, one module per kind (see movieagent.backends.BACKENDS).

rules.py         deterministic film grammar: no model, no key
llm.py           what every language-model crew shares: answer schemas, answer checks, post-processing
prompts.py       the prompts they send: templates opened by role cards, the film written out as text
openai.py        a crew of LLM agents on any OpenAI-compatible server
transformers.py  a crew played by a local model through transformers
"""
