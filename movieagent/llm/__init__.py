"""Talking to language models: a bounded OpenAI-compatible client, a local model with constrained decoding,
structured answers with capped schemas, retries, deadlines, a cache and a transcript.

chat = build_chat(ServerChatOptions(base_url="http://localhost:8000/v1", model="qwen2.5-7b", server="vllm"))
treatment = chat.ask(Question(agent="director", scene=None, model="qwen2.5-7b", messages=[...], answer=Treatment))
"""

from movieagent.llm.cache import ResponseCache
from movieagent.llm.client import ChatClient, ChatEndpoint, ChatReply, ChatRequest
from movieagent.llm.errors import LLMError
from movieagent.llm.options import ChatOptions, LocalChatOptions, ServerChatOptions, build_chat
from movieagent.llm.retry import RetryPolicy
from movieagent.llm.structured import Caps, Question, StructuredChat
from movieagent.llm.transcript import Price, Transcript

__all__ = [
    "Caps",
    "ChatClient",
    "ChatEndpoint",
    "ChatOptions",
    "ChatReply",
    "ChatRequest",
    "LLMError",
    "LocalChatOptions",
    "Price",
    "Question",
    "ResponseCache",
    "RetryPolicy",
    "ServerChatOptions",
    "StructuredChat",
    "Transcript",
    "build_chat",
]
