// privacyd's composition root: builds the real clock, randomness, store and services and hands
// them to the CLI.
int main() { return 0; }
