"""The only package that imports ``confluent_kafka``: admin, producers, consumers, local broker."""
