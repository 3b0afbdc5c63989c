"""Drawing for the embedded preview (animatic) renderer and the storyboard sheet.

backdrop.py  the place behind the figures: a location photo, or a set drawn from the location's name
figures.py   one sprite per character: cut-out, framed card or placeholder silhouette
camera.py    where the camera looks in each frame: shot size, angle, movement with easing
shot.py      composes the layers of one shot once, then draws any frame of it cheaply
sprite.py    a picture placed in the shot's plan, the unit every layer is made of
raster.py    small image helpers (loading user images, gradients, colours)
fonts.py     the one font rule shared by the label and the storyboard
keyframe.py  the keyframe backend `preview`: a shot's first frame
video.py     the video backend `preview`: the animatic clip of a shot
"""
