"""What the parsed outputs mean together: the VIP chain, and which era of Docker produced them."""
