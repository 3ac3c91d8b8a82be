"""Reads shared by pages, the API and consumers."""
