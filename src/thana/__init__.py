"""Thana: the software behind a city's police stations and the people who write to them."""

__version__ = "0.1.0"
