"""Named queries and standing query subscriptions (EPCIS 2.0 REST binding /queries)."""
