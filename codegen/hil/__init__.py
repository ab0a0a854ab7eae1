"""Hardware in the loop: the device protocol, transports, devices under test, and target drivers."""
