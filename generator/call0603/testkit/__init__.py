"""The sample-bundle test kit: scenario bundles with their expected assessment and `$apply` result."""
