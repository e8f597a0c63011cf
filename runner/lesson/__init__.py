"""A tutorial as data: Markdown blocks and annotations become an ordered `Lesson` of `Step`s, then rendered with placeholder values."""
