"""The public web app (aiohttp): demo page, chat widget endpoints and the staff desk."""
