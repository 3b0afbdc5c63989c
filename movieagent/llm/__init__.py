"""Talking to language models: an OpenAI-compatible client with retries, structured answers, a cache and a transcript.

chat = StructuredChat(ChatClient(base_url, key), policy=RetryPolicy(), budget_s=300, repair_tries=2, ...)
treatment = chat.ask(Question(agent="director", scene=None, model="gpt-4o-mini", messages=[...], answer=Treatment))
"""

from movieagent.llm.cache import ResponseCache
from movieagent.llm.client import ChatClient, ChatEndpoint, ChatReply, ChatRequest
from movieagent.llm.errors import LLMError
from movieagent.llm.retry import RetryPolicy
from movieagent.llm.structured import Question, StructuredChat
from movieagent.llm.transcript import Price, Transcript

__all__ = [
    "ChatClient",
    "ChatEndpoint",
    "ChatReply",
    "ChatRequest",
    "LLMError",
    "Price",
    "Question",
    "ResponseCache",
    "RetryPolicy",
    "StructuredChat",
    "Transcript",
]
