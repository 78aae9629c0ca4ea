"""Loaders: Chinese articles and spreadsheets in, one checked claims table out."""
from .quantities import Quantity, find_quantities, parse_number, parse_quantity

__all__ = ["Quantity", "find_quantities", "parse_number", "parse_quantity"]
