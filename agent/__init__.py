"""The agent core: a streaming tool-use loop on the anthropic SDK. Never imports pygls."""
