# textml's image: the official Ray image of the Ray version the package pins, with textml, its pinned
# dependencies and the t5-small weights baked in, so a pod neither pip-installs nor reaches the model hub.
#   docker build -t textml:0.1.0-ray2.60.0 .
ARG RAY_VERSION=2.60.0
FROM rayproject/ray:${RAY_VERSION}-py311-cpu

WORKDIR /home/ray/textml
# PyPI's torch wheel for Linux is the CUDA build; the CPU build is the one pinned and tested.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY --chown=ray:users pyproject.toml setup.py constraints.txt README.md ./
COPY --chown=ray:users src ./src
RUN pip install --no-cache-dir -c constraints.txt .

# The weights live in the image's Hugging Face cache, and their CTranslate2 int8 conversion in textml's
# cache: pods load `t5-small` offline and convert nothing.
ENV HF_HOME=/home/ray/hf TEXTML_CACHE=/home/ray/textml-cache
RUN python -c "from transformers import AutoModelForSeq2SeqLM, AutoTokenizer; \
[part.from_pretrained('t5-small') for part in (AutoTokenizer, AutoModelForSeq2SeqLM)]" \
 && python -m textml.engines.conversion t5-small
ENV HF_HUB_OFFLINE=1
