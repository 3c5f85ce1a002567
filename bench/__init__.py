"""`make bench`: the chat's broadcast path measured against two baselines."""
