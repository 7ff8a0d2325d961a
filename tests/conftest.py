pytest_plugins = ["tests.fixtures.kafka", "tests.fixtures.registry", "tests.fixtures.secure_kafka"]
