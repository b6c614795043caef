"""The project's own tooling: the offline solc adapter and the local nodes tests run on."""
