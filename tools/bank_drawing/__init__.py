"""Drawing the example banks' images with Pillow: a small kit (canvas, backdrop, figure) and one module per film's
cast and places. tools/draw_example_bank.py names every image file and writes them."""
