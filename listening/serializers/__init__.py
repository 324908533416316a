"""Input and output serializers of the listening API, one module per area."""
