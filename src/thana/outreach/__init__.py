"""Outreach: posters and cards for each station, housing societies and advisories, counselling referrals."""
