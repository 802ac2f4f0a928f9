"""Thin, idempotent tasks: each calls one service."""
