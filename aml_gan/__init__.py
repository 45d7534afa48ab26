"""It Takes Two: helpers for the GAN course unit."""
