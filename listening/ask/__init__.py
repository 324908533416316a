"""Plain-English questions about your own listening: parse.py reads them, catalog.py finds the names in your
history, answer.py answers from listening.selectors."""

from listening.ask.answer import EXAMPLES, MAX_QUESTION_LENGTH, Answer, ask, not_understood

__all__ = ["EXAMPLES", "MAX_QUESTION_LENGTH", "Answer", "ask", "not_understood"]
