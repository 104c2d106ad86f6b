# One image for the web (gunicorn) and worker (celery) services of docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# collectstatic needs settings, not the deployment's secret (which the image never holds)
RUN DATABASE_URL=sqlite:////tmp/build.sqlite3 SECRET_KEY=image-build-only python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "lcnet_site.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "2"]
