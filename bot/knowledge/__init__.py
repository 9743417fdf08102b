"""Domain knowledge: contact routes, places, warning signs, form vocabulary and routing."""
