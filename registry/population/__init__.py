"""The province's business register, imported by the agency: the denominator of adoption."""
