"""The AI-coach chat slice: the LLM port and its adapters (``aicoach.llm``), and later the chat
service, tools, stream protocol and pages built on top of it."""
