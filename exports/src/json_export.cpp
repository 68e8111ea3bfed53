// placeholder until the exporters land
