from movieagent.cli import app

app(prog_name="movieagent")
