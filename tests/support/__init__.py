"""Test support: a local Slack Web API stand-in (slack_api), Slack payload builders and signing
(payloads), pytest fixtures (fixtures) and a RefBot HTTP server runner (refbot_server)."""
