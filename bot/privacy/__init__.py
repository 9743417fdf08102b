"""Privacy: the Danish anonymiser, keyed pseudonyms and the anonymising tracker store."""
