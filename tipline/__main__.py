from tipline.cli import app

app()
