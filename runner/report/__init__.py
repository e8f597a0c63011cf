"""Renderers only: text, JSON, JUnit, Markdown, CSV and HTML of plans, lint findings, runs and grades. Data lives with its producer."""
