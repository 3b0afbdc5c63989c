"""The crews that answer the planning graph's questions, one module per kind (see movieagent.backends.BACKENDS).

rules.py         deterministic film grammar: no model, no key
llm.py           what every language-model crew shares: prompts, answer checks, repairs
openai.py        a crew of LLM agents on any OpenAI-compatible server
transformers.py  a crew played by a local model through transformers
"""
