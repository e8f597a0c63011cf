"""`tutorial new`: a published tutorial turned into an annotated lesson.

The visible text never changes: every addition is front matter or an HTML
comment (checks, step annotations, commands the prose asks for). Built on the
lesson model and `runner.effects`, so it follows what the parser understands.

    from runner.author import draft
    result = draft(markdown, "tutorial.md", "storage")
    result.text, result.suggestions, result.todos
"""

from runner.author.draft import Draft, draft, lesson_id_for

__all__ = ["Draft", "draft", "lesson_id_for"]
