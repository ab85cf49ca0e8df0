"""Commissioning pages, one module per part of a round's life."""
