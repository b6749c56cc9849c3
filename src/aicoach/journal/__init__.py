"""The trade journal slice: broker accounts, imported executions, round trips, analytics."""
